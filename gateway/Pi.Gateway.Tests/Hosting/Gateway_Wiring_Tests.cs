using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pi.Gateway.Bridge;
using Pi.Gateway.Cloud;
using Pi.Gateway.Hosting;

namespace Pi.Gateway.Tests.Hosting;

/// <summary>How the host wires the bridge: on by default, left out entirely with Bridge:Enabled=false, options validated.</summary>
public sealed class Gateway_Wiring_Tests
{
    private static string[] Args(string directory, params string[] more) =>
    [
        "--Wifi:Driver=Simulated", "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={Path.Combine(directory, "gpio.sock")}",
        $"--State:DataDirectory={Path.Combine(directory, "state")}", "--Logging:LogLevel:Default=Warning", .. more,
    ];

    [Fact]
    public void The_bridge_answers_commands_and_owns_the_pairing_window_by_default()
    {
        var directory = Directory.CreateTempSubdirectory("pi-gw-wiring-").FullName;
        try
        {
            using var host = GatewayApp.CreateBuilder(Args(directory)).Build();
            var bridge = host.Services.GetRequiredService<LanBridge>();
            Assert.Same(bridge, host.Services.GetRequiredService<IPairingWindow>());
            Assert.Same(bridge, host.Services.GetRequiredService<ISubDeviceBridge>());
            Assert.Equal(Path.Combine(directory, "state", "queue"), host.Services.GetRequiredService<IOptions<Pi.Gateway.Bridge.Queue.UpQueueOptions>>().Value.Directory);
            Assert.NotNull(host.Services.GetRequiredService<CloudClient>());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void With_the_bridge_disabled_the_gateway_answers_its_own_commands_and_only_logs_pairing()
    {
        var directory = Directory.CreateTempSubdirectory("pi-gw-wiring-").FullName;
        try
        {
            using var host = GatewayApp.CreateBuilder(Args(directory, "--Bridge:Enabled=false")).Build();
            Assert.Null(host.Services.GetService<LanBridge>());
            Assert.IsType<LoggedPairingWindow>(host.Services.GetRequiredService<IPairingWindow>());
            Assert.IsType<GatewayRequestHandler>(host.Services.GetRequiredService<ICloudRequestHandler>());
            Assert.NotNull(host.Services.GetRequiredService<GatewayRunner>());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Invalid_bridge_options_stop_the_host_naming_the_setting()
    {
        var directory = Directory.CreateTempSubdirectory("pi-gw-wiring-").FullName;
        try
        {
            using var host = GatewayApp.CreateBuilder(Args(directory, "--Bridge:ListenAddress=not-an-address")).Build();
            var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<BridgeOptions>>().Value);
            Assert.Contains("Bridge", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
