namespace Pi.Gateway.Gpio;

/// <summary>
/// The configured GPIO driver could not be created: libgpiod is missing, the chip does not exist
/// or is not accessible, or the virtual driver's socket path cannot be used. The message names the
/// setting to change; the inner exception is what the platform reported.
/// </summary>
public sealed class GpioUnavailableException : Exception
{
    public GpioUnavailableException()
    {
    }

    public GpioUnavailableException(string message)
        : base(message)
    {
    }

    public GpioUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
