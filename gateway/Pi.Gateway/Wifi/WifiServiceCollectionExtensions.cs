using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.Hostapd;
using Pi.Gateway.Wifi.NetworkManager;
using Pi.Gateway.Wifi.Simulated;

namespace Pi.Gateway.Wifi;

/// <summary>Registers the gateway's Wi-Fi.</summary>
public static class WifiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IWifiRadio"/> as the radio that <c>Wifi:Driver</c> names (Simulated,
    /// Hostapd or NetworkManager), with <see cref="WifiOptions"/> bound from the <c>Wifi</c> section
    /// (reflection-free) and validated at start, an <see cref="ICommandRunner"/> and a
    /// <see cref="TimeProvider"/> unless already registered.
    /// </summary>
    public static IServiceCollection AddWifi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(WifiOptions.SectionName);
        services.AddOptions<WifiOptions>()
            .Configure(options => options.BindFrom(section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WifiOptions>, WifiOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICommandRunner>(sp => new ProcessCommandRunner(sp.GetService<ILogger<ProcessCommandRunner>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IWifiRadio>(CreateRadio);
        return services;
    }

    private static IWifiRadio CreateRadio(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<WifiOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        return options.Driver switch
        {
            WifiDriver.Hostapd => new HostapdWifiRadio(options, services.GetRequiredService<ICommandRunner>(), time, services.GetService<ILogger<HostapdWifiRadio>>()),
            WifiDriver.NetworkManager => new NetworkManagerWifiRadio(options, services.GetRequiredService<ICommandRunner>(), time, services.GetService<ILogger<NetworkManagerWifiRadio>>()),
            _ => new SimulatedWifiRadio(SimulatedWorld(options), time, services.GetService<ILogger<SimulatedWifiRadio>>()),
        };
    }

    private static SimulatedWifiOptions SimulatedWorld(WifiOptions options)
    {
        var world = options.SimulatedNetworksFile is { } file ? SimulatedWifiOptions.Load(file) : options.Simulated;
        // Wifi:MacAddress overrides every radio's MAC, the simulated one's too.
        if (options.MacAddress is { } mac)
        {
            world.MacAddress = mac;
        }
        // Only an explicit path: the default one is wpa_supplicant's file under /etc.
        world.StationFile = options.StationConfigPath;
        return world;
    }

    private sealed class WifiOptionsValidator : IValidateOptions<WifiOptions>
    {
        public ValidateOptionsResult Validate(string? name, WifiOptions options)
        {
            var problems = options.Validate();
            if (problems.Count == 0 && options.Driver == WifiDriver.Simulated && options.SimulatedNetworksFile is { } file)
            {
                try
                {
                    _ = SimulatedWifiOptions.Load(file);
                }
                catch (InvalidOperationException e)
                {
                    return ValidateOptionsResult.Fail(e.Message);
                }
            }
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
