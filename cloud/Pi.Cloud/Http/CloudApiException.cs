using Pi.Protocol.Errors;

namespace Pi.Cloud.Http;

/// <summary>
/// Thrown by API code to answer a request with the problem details of <see cref="Code"/> (see
/// <see cref="Problems"/>). <see cref="Exception.Message"/> is the <c>detail</c> the client sees, so it
/// must never hold a password, key, setup code or verification code.
/// </summary>
public sealed class CloudApiException : Exception
{
    /// <summary>An error with a stable code and a detail for the client.</summary>
    public CloudApiException(ProtocolErrorCode code, string detail)
        : base(detail)
    {
        Code = code;
    }

    /// <summary>An error answered with <paramref name="status"/> instead of the code's usual status (a 409 for a taken email).</summary>
    public CloudApiException(ProtocolErrorCode code, string detail, int status)
        : base(detail)
    {
        Code = code;
        Status = status;
    }

    /// <summary>An error with a stable code, a detail for the client and its cause (kept for the log only).</summary>
    public CloudApiException(ProtocolErrorCode code, string detail, Exception innerException)
        : base(detail, innerException)
    {
        Code = code;
    }

    /// <summary>An <see cref="ProtocolErrorCode.Internal"/> error.</summary>
    public CloudApiException()
        : this(ProtocolErrorCode.Internal, "The server failed.")
    {
    }

    /// <summary>An <see cref="ProtocolErrorCode.Internal"/> error with a detail for the client.</summary>
    public CloudApiException(string message)
        : this(ProtocolErrorCode.Internal, message)
    {
    }

    /// <summary>An <see cref="ProtocolErrorCode.Internal"/> error with a detail and its cause.</summary>
    public CloudApiException(string message, Exception innerException)
        : this(ProtocolErrorCode.Internal, message, innerException)
    {
    }

    /// <summary>The stable error code.</summary>
    public ProtocolErrorCode Code { get; }

    /// <summary>The HTTP status, when it differs from the code's usual one.</summary>
    public int? Status { get; }

    /// <summary>When the client may try again (sent as <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }
}
