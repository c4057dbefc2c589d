namespace Pi.Protocol.Errors;

/// <summary>
/// The only exception a Pi.Protocol decoder throws for bad input. <see cref="Code"/> is stable;
/// the message is for people and never contains key material, passwords or setup codes.
/// </summary>
public sealed class ProtocolException : Exception
{
    /// <summary>Creates an error with a stable code and a human-readable reason.</summary>
    public ProtocolException(ProtocolErrorCode code, string message)
        : base($"{ProtocolErrors.Name(code)}: {message}")
    {
        Code = code;
    }

    /// <summary>Creates an error with a stable code, a reason and the exception that caused it.</summary>
    public ProtocolException(ProtocolErrorCode code, string message, Exception innerException)
        : base($"{ProtocolErrors.Name(code)}: {message}", innerException)
    {
        Code = code;
    }

    /// <summary>The stable error code (see docs/protocol.md).</summary>
    public ProtocolErrorCode Code { get; }

    /// <summary>Parameterless construction is not meaningful; use a code.</summary>
    public ProtocolException()
        : this(ProtocolErrorCode.Internal, "unspecified protocol error")
    {
    }

    /// <summary>Wraps a message as an <see cref="ProtocolErrorCode.Internal"/> error.</summary>
    public ProtocolException(string message)
        : this(ProtocolErrorCode.Internal, message)
    {
    }

    /// <summary>Wraps a message and cause as an <see cref="ProtocolErrorCode.Internal"/> error.</summary>
    public ProtocolException(string message, Exception innerException)
        : this(ProtocolErrorCode.Internal, message, innerException)
    {
    }
}
