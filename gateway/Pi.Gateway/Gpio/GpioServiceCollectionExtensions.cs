using System.Device.Gpio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.Leds;

namespace Pi.Gateway.Gpio;

/// <summary>Registers the gateway's GPIO: the driver, the controller built on it, the reset button and the status LEDs.</summary>
public static class GpioServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="GpioOptions"/> (section <c>Gpio</c>, validated at start), the configured
    /// <see cref="GpioDriver"/>, a <see cref="GpioController"/> on that driver, and
    /// <see cref="ResetButton"/> and <see cref="StatusLeds"/> as singletons and hosted services.
    /// The driver is created when first needed, at the latest when the host starts; a driver that
    /// cannot be created fails the start with a <see cref="GpioUnavailableException"/>.
    /// </summary>
    public static IServiceCollection AddGpio(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(GpioOptions.Section);
        services.AddOptions<GpioOptions>()
            .Configure(options => GpioOptions.Bind(section, options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpioOptions>, GpioOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton(sp => GpioDriverFactory.Create(
            sp.GetRequiredService<IOptions<GpioOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        // The controller disposes its driver, then the container disposes it again: VirtualGpioDriver and
        // LibGpiodDriver (v1) make a second Dispose a no-op.
        services.TryAddSingleton(sp => new GpioController(sp.GetRequiredService<GpioDriver>()));

        services.TryAddSingleton<StatusLeds>();
        services.TryAddSingleton<ResetButton>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusLeds>());
        services.AddHostedService(sp => sp.GetRequiredService<ResetButton>());
        return services;
    }
}
