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
    public static HostApplicationBuilder CreateBuilder(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = Host.CreateApplicationBuilder([.. args.Where(a => a.Contains('=', StringComparison.Ordinal))]);
        builder.Services.AddWifi(builder.Configuration);
        builder.Services.AddGpio(builder.Configuration);
        builder.AddGatewayService(args);
        builder.Services.AddSingleton<IStatusIndicator, GpioStatusIndicator>();
        builder.Services.AddSingleton<IResetButtonSource, GpioResetButtonSource>();
        return builder;
    }
}
