using Microsoft.AspNetCore.Routing;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Http;

/// <summary>Wires the problem-details error model (<see cref="Problems"/>) into the host.</summary>
public static class ProblemsServiceCollectionExtensions
{
    /// <summary>
    /// Registers problem details, the exception handler that maps <see cref="CloudApiException"/>,
    /// protocol and bad-request exceptions, and makes minimal-API binding failures (malformed JSON,
    /// wrong content type) throw so they are answered as problems in every environment.
    /// </summary>
    public static IServiceCollection AddCloudProblems(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = NameTransportFailure);
        services.AddExceptionHandler<CloudProblemExceptionHandler>();
        // By default only Development throws; otherwise a bad body is a bare 400 with no body at all.
        services.PostConfigure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>
    /// Answers exceptions and bodiless error statuses (an unknown route's 404, a 405) with problem
    /// details. Call it first, before anything that may throw.
    /// </summary>
    public static IApplicationBuilder UseCloudProblems(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    // Kestrel and routing answer a too-large body (413) and a non-JSON body (415) with a bare status
    // that the status-code pages turn into a problem; give those the same type and code as if thrown.
    private static void NameTransportFailure(ProblemDetailsContext context)
    {
        var details = context.ProblemDetails;
        if (details.Extensions.ContainsKey(Problems.CodeMember))
        {
            return;
        }
        var named = details.Status switch
        {
            StatusCodes.Status413PayloadTooLarge => CloudProblemExceptionHandler.TooLarge(),
            StatusCodes.Status415UnsupportedMediaType => CloudProblemExceptionHandler.NotJson(),
            _ => null,
        };
        if (named is not null)
        {
            details.Type = named.Type;
            details.Title = named.Title;
            details.Detail = named.Detail;
            details.Extensions[Problems.CodeMember] = named.Extensions[Problems.CodeMember];
        }
    }
}
