namespace Pi.Gateway.Gpio;

/// <summary>A button press made by a rig: when the wire went to the pressed level and when it was let go (the gateway's clock).</summary>
public readonly record struct RigPress(int Pin, DateTimeOffset PressedAt, DateTimeOffset ReleasedAt)
{
    /// <summary>How long the wire stayed pressed.</summary>
    public TimeSpan Duration => ReleasedAt - PressedAt;
}

/// <summary>The virtual chip refused a rig's request (<c>ERR code text</c>), or the connection ended.</summary>
public sealed class VirtualGpioRigException : Exception
{
    public VirtualGpioRigException()
    {
    }

    public VirtualGpioRigException(string message)
        : base(message)
    {
    }

    public VirtualGpioRigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VirtualGpioRigException(string code, string message)
        : base($"{code}: {message}")
    {
        Code = code;
    }

    /// <summary>The protocol's error code (<c>bad-pin</c>, <c>not-input</c>, ...), or null when the connection failed.</summary>
    public string? Code { get; }
}
