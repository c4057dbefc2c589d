using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Http;

/// <summary>
/// Turns every exception that escapes an endpoint into problem details (<see cref="Problems"/>):
/// <see cref="CloudApiException"/> and <see cref="ProtocolException"/> by their code,
/// <see cref="BadHttpRequestException"/> by its status, anything else into a 500 whose body says
/// nothing of the exception (it goes to the log).
/// </summary>
internal sealed partial class CloudProblemExceptionHandler(ILogger<CloudProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var details = ToProblem(exception);
        var status = details.Status ?? StatusCodes.Status500InternalServerError;
        if (status >= StatusCodes.Status500InternalServerError && exception is not CloudApiException and not ProtocolException)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }
        else
        {
            LogAnswered(logger, httpContext.Request.Method, httpContext.Request.Path, status);
        }
        if (exception is CloudApiException { RetryAfter: { } retry })
        {
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        httpContext.Response.StatusCode = status;
        await TypedResults.Problem(details).ExecuteAsync(httpContext).ConfigureAwait(false);
        return true;
    }

    /// <summary>The problem an exception is answered with. Only texts written for clients are copied into it.</summary>
    internal static ProblemDetails ToProblem(Exception exception) => exception switch
    {
        CloudApiException api => Problems.Details(api.Code, api.Message, api.Status),
        ProtocolException protocol => Problems.Details(protocol.Code, ReasonOf(protocol)),
        BadHttpRequestException bad => FromBadRequest(bad),
        _ => Problems.Details(ProtocolErrorCode.Internal, "The server failed; the error is in its log."),
    };

    // The framework's messages name parameters and sometimes echo the offending value; none is copied.
    private static ProblemDetails FromBadRequest(BadHttpRequestException exception) => exception.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => TooLarge(),
        StatusCodes.Status415UnsupportedMediaType => NotJson(),
        StatusCodes.Status400BadRequest when HasJsonCause(exception) =>
            Problems.Details(ProtocolErrorCode.MalformedJson, "The request body is not JSON of the expected shape."),
        StatusCodes.Status400BadRequest =>
            Problems.Details(ProtocolErrorCode.InvalidField, "A parameter of the request is missing or malformed."),
        var status => new ProblemDetails { Status = status },
    };

    internal static ProblemDetails TooLarge() =>
        Problems.Details(ProtocolErrorCode.FrameTooLarge, "The request body is larger than this endpoint accepts.");

    internal static ProblemDetails NotJson() =>
        Problems.Details(ProtocolErrorCode.MalformedJson, "The request body must be JSON (Content-Type: application/json).", StatusCodes.Status415UnsupportedMediaType);

    private static bool HasJsonCause(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException)
            {
                return true;
            }
        }
        return false;
    }

    // ProtocolException.Message is "<name>: <reason>"; the name is already in the problem's code.
    private static string ReasonOf(ProtocolException exception)
    {
        var prefix = ProtocolErrors.Name(exception.Code) + ": ";
        return exception.Message.StartsWith(prefix, StringComparison.Ordinal) ? exception.Message[prefix.Length..] : exception.Message;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "{Method} {Path} failed; answered 500")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, PathString path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "{Method} {Path} answered {Status} with a problem")]
    private static partial void LogAnswered(ILogger logger, string method, PathString path, int status);
}
