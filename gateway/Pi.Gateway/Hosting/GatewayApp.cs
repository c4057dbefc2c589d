using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pi.Gateway.Gpio;
using Pi.Gateway.Wifi;

namespace Pi.Gateway.Hosting;

/// <summary>The gateway host as Program.cs and the service tests build it.</summary>
public static class GatewayApp
{
    /// <summary>
    /// A host builder with every part: Wi-Fi and GPIO (chosen by configuration), state, the state
    /// machine and its runner, provisioning, the cloud client, systemd. <paramref name="args"/> are
    /// the command line; <c>--Section:Key=value</c> entries become configuration.
    /// </summary>
    /// <remarks>
    /// Settings are read from <c>appsettings.json</c> in the configuration directory (see
    /// <see cref="ConfigurationDirectory"/>), then the environment, then the command line.
    /// </remarks>
    public static HostApplicationBuilder CreateBuilder(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var settings = new HostApplicationBuilderSettings { Args = [.. args.Where(a => a.Contains('=', StringComparison.Ordinal))] };
        if (ConfigurationDirectory(Environment.GetEnvironmentVariable("CONFIGURATION_DIRECTORY"), AppContext.BaseDirectory) is { } directory
            && Directory.Exists(directory))
        {
            settings.ContentRootPath = directory;
        }
        var builder = Host.CreateApplicationBuilder(settings);
        builder.Services.AddWifi(builder.Configuration);
        builder.Services.AddGpio(builder.Configuration);
        builder.AddGatewayService(args);
        builder.Services.AddSingleton<IStatusIndicator, GpioStatusIndicator>();
        builder.Services.AddSingleton<IResetButtonSource, GpioResetButtonSource>();
        return builder;
    }

    /// <summary>Where the installed package keeps the binary (systemd/build-deb.sh).</summary>
    public const string InstalledBinaryDirectory = "/usr/lib/pi-gateway";

    /// <summary>Where the installed package keeps <c>appsettings.json</c> (a conffile).</summary>
    public const string InstalledConfigurationDirectory = "/etc/pi-gateway";

    /// <summary>
    /// The directory whose <c>appsettings.json</c> the gateway reads: systemd's
    /// <c>$CONFIGURATION_DIRECTORY</c> (the first entry) under the unit; /etc/pi-gateway for the
    /// installed binary started by hand (<c>self-test</c>, <c>qr</c>), so both read the service's
    /// settings; otherwise null (the current directory, as for any .NET host: development).
    /// </summary>
    public static string? ConfigurationDirectory(string? systemdConfigurationDirectory, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(baseDirectory);
        if (!string.IsNullOrEmpty(systemdConfigurationDirectory))
        {
            return systemdConfigurationDirectory.Split(':')[0];
        }
        return string.Equals(Path.TrimEndingDirectorySeparator(baseDirectory), InstalledBinaryDirectory, StringComparison.Ordinal)
            ? InstalledConfigurationDirectory
            : null;
    }
}
