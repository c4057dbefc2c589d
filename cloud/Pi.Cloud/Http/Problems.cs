using System.Collections.Frozen;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Http;

/// <summary>
/// The HTTP error model of the cloud API: RFC 9457 problem details whose <c>type</c> is
/// <c>https://pi-gateway.dev/errors/&lt;name&gt;</c> and whose extension member <c>code</c> is the
/// protocol's snake_case error name (docs/protocol.md section 12), so APPs switch on one stable
/// vocabulary whether an error came over HTTP or over the session channel.
/// </summary>
/// <remarks>
/// Status codes, where a choice was made:
/// <list type="bullet">
/// <item><c>offline</c> is 503: the cloud knows at once that the gateway is not connected and did not
/// wait; <c>timeout</c> is 504: it asked the gateway and no answer came in time.</item>
/// <item><c>authentication_failed</c>, <c>key_id_mismatch</c>, <c>bad_credentials</c> and
/// <c>session_expired</c> are 401 (the caller must prove who it is again); <c>not_owner</c>,
/// <c>bad_hash</c>, <c>key_expired</c>, <c>service_expired</c> and <c>counter_exhausted</c> are 403
/// (known caller, refused).</item>
/// <item><c>busy</c>, <c>already_bound</c> and <c>unexpected_message</c> are 409 (the state of the
/// device conflicts with the request).</item>
/// <item><c>frame_too_large</c> is 413, <c>rate_limited</c> 429, <c>counter_limit_reached</c> 503
/// (the cloud's own sealer must reserve more counters; retrying helps).</item>
/// <item>every other framing, cryptography and message code is 400; <c>internal</c> and any code this
/// version does not define are 500.</item>
/// </list>
/// </remarks>
public static class Problems
{
    /// <summary>The prefix of every problem type this API defines.</summary>
    public const string TypePrefix = "https://pi-gateway.dev/errors/";

    /// <summary>The extension member that carries the snake_case error name.</summary>
    public const string CodeMember = "code";

    private static readonly FrozenDictionary<ProtocolErrorCode, int> Statuses = new Dictionary<ProtocolErrorCode, int>
    {
        [ProtocolErrorCode.FrameTooLarge] = StatusCodes.Status413PayloadTooLarge,
        [ProtocolErrorCode.AuthenticationFailed] = StatusCodes.Status401Unauthorized,
        [ProtocolErrorCode.KeyIdMismatch] = StatusCodes.Status401Unauthorized,
        [ProtocolErrorCode.CounterExhausted] = StatusCodes.Status403Forbidden,
        [ProtocolErrorCode.CounterLimitReached] = StatusCodes.Status503ServiceUnavailable,
        [ProtocolErrorCode.UnexpectedMessage] = StatusCodes.Status409Conflict,
        [ProtocolErrorCode.Busy] = StatusCodes.Status409Conflict,
        [ProtocolErrorCode.UnknownDevice] = StatusCodes.Status404NotFound,
        [ProtocolErrorCode.BadCredentials] = StatusCodes.Status401Unauthorized,
        [ProtocolErrorCode.BadHash] = StatusCodes.Status403Forbidden,
        [ProtocolErrorCode.AlreadyBound] = StatusCodes.Status409Conflict,
        [ProtocolErrorCode.NotOwner] = StatusCodes.Status403Forbidden,
        [ProtocolErrorCode.SessionExpired] = StatusCodes.Status401Unauthorized,
        [ProtocolErrorCode.Timeout] = StatusCodes.Status504GatewayTimeout,
        [ProtocolErrorCode.Offline] = StatusCodes.Status503ServiceUnavailable,
        [ProtocolErrorCode.RateLimited] = StatusCodes.Status429TooManyRequests,
        [ProtocolErrorCode.KeyExpired] = StatusCodes.Status403Forbidden,
        [ProtocolErrorCode.ServiceExpired] = StatusCodes.Status403Forbidden,
        [ProtocolErrorCode.UnknownCommand] = StatusCodes.Status400BadRequest,
        [ProtocolErrorCode.Internal] = StatusCodes.Status500InternalServerError,
    }.ToFrozenDictionary();

    /// <summary>The HTTP status an error code is answered with.</summary>
    public static int StatusOf(ProtocolErrorCode code) =>
        Statuses.TryGetValue(code, out var status) ? status
        : (int)code is >= 100 and < 400 && Enum.IsDefined(code) ? StatusCodes.Status400BadRequest
        : StatusCodes.Status500InternalServerError;

    /// <summary>The problem type URI of an error code.</summary>
    public static string TypeOf(ProtocolErrorCode code) => TypePrefix + ProtocolErrors.Name(code);

    /// <summary>A short human-readable summary of an error code: its name as words ("Already bound").</summary>
    public static string TitleOf(ProtocolErrorCode code)
    {
        var name = ProtocolErrors.Name(code).Replace('_', ' ');
        return string.Concat(char.ToUpperInvariant(name[0]).ToString(), name.AsSpan(1));
    }

    /// <summary>
    /// The problem details of an error. <paramref name="detail"/> goes to the client as it is: it must
    /// not hold a password, key, setup code or verification code. <paramref name="status"/> overrides
    /// <see cref="StatusOf"/> where the transport says more than the code (a 415 for a body that is not JSON).
    /// </summary>
    public static ProblemDetails Details(ProtocolErrorCode code, string? detail = null, int? status = null)
    {
        var details = new ProblemDetails
        {
            Type = TypeOf(code),
            Title = TitleOf(code),
            Status = status ?? StatusOf(code),
            Detail = string.IsNullOrEmpty(detail) ? null : detail,
        };
        details.Extensions[CodeMember] = ProtocolErrors.Name(code);
        return details;
    }

    /// <summary>An endpoint result answering with the problem details of an error.</summary>
    public static ProblemHttpResult Result(ProtocolErrorCode code, string? detail = null) =>
        TypedResults.Problem(Details(code, detail));

    /// <summary>Writes the problem details of an error to a response (for code outside endpoints, such as authentication).</summary>
    public static Task WriteAsync(HttpContext context, ProtocolErrorCode code, string? detail = null, int? status = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var details = Details(code, detail, status);
        context.Response.StatusCode = details.Status ?? StatusOf(code);
        return TypedResults.Problem(details).ExecuteAsync(context);
    }
}
