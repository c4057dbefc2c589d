using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Gpio;

/// <summary>Creates the <see cref="GpioDriver"/> that <c>Gpio:Driver</c> names; the only place that does.</summary>
public static partial class GpioDriverFactory
{
    /// <summary>Creates the configured driver.</summary>
    /// <exception cref="GpioUnavailableException">It cannot be created here (no libgpiod, no such chip, no access, socket path unusable).</exception>
    public static GpioDriver Create(GpioOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger(typeof(GpioDriverFactory));
        GpioDriver driver = options.Driver switch
        {
            GpioDriverKind.Virtual => new VirtualGpioDriver(
                new VirtualGpioDriverOptions(options.VirtualSocketPath, options.VirtualPinCount, options.VirtualSocketGroupAccess),
                timeProvider,
                loggerFactory),
            GpioDriverKind.Libgpiod => CreateLibgpiod(() => new LibGpiodDriver(options.Chip), "libgpiod (v1 API, libgpiod.so.2)", options.Chip),
            GpioDriverKind.LibgpiodV2 => CreateLibgpiod(() => new LibGpiodV2Driver(options.Chip), "libgpiod (v2 API, libgpiod.so.3)", options.Chip),
            _ => throw new GpioUnavailableException($"Gpio:Driver '{options.Driver}' is not a driver this gateway knows."),
        };
        LogDriver(logger, options.Driver, options.Driver == GpioDriverKind.Virtual ? options.VirtualSocketPath : $"/dev/gpiochip{options.Chip}");
        return driver;
    }

    private static GpioDriver CreateLibgpiod(Func<GpioDriver> create, string name, int chip)
    {
        try
        {
            return create();
        }
#pragma warning disable CA1031 // Whatever libgpiod's binding throws (PlatformNotSupported, GpiodException, DllNotFound, IO), the gateway reports one typed error.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            throw new GpioUnavailableException(
                $"The {name} GPIO driver for /dev/gpiochip{chip} could not be created: {ex.Message} "
                + $"On a Pi: install the libgpiod package, check Gpio:Chip and Gpio:Driver (Libgpiod or LibgpiodV2), and let the gateway's user open /dev/gpiochip{chip} (group gpio). "
                + "Off a Pi: set Gpio:Driver to Virtual.",
                ex);
        }
    }

    [LoggerMessage(EventId = 4050, Level = LogLevel.Information, Message = "GPIO: {Driver} driver on {Where}")]
    private static partial void LogDriver(ILogger logger, GpioDriverKind driver, string where);
}
