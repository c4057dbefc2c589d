using System.Diagnostics;
using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.Config;
using Pi.Gateway.Wifi.Parsing;

namespace Pi.Gateway.Tests.Wifi;

// Two classes so xunit runs them side by side: each hostapd spends about 5 s in COUNTRY_UPDATE.

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Hostapd_Open_Ap_Real_Tool_Tests
{
    [Fact]
    public Task Hostapd_runs_an_open_ap_from_the_generated_config() =>
        RealHostapd.RunAsync(new AccessPointSettings("pi_gateway_A1B2C3", Channel: 11, CountryCode: "DE"), passphrase: null);
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Hostapd_Wpa2_Ap_Real_Tool_Tests
{
    [Fact]
    public Task Hostapd_runs_a_wpa2_ap_with_a_utf8_ssid_from_the_generated_config() =>
        RealHostapd.RunAsync(new AccessPointSettings("Pi Gateway café"), WifiPassphrase.Parse("correct horse battery"));
}

/// <summary>
/// The generated hostapd.conf, run by the real hostapd with driver=none (no radio needed; a
/// made-up interface name is enough for it) until hostapd_cli reports ENABLED; stopped by PID.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class RealHostapd
{
    private static readonly ProcessCommandRunner Runner = new();

    // With a country_code hostapd waits up to 5 s for a regulatory update that driver=none never sends.
    private static readonly TimeSpan HostapdStartBound = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(AccessPointSettings settings, WifiPassphrase? passphrase)
    {
        var hostapd = RealTools.Require("hostapd");
        RealTools.Require("hostapd_cli");
        using var dir = new TempDirectory();
        var iface = RealTools.UniqueName("pgwap");
        var control = dir.File("hostapd");
        var conf = dir.File("hostapd.conf");
        await AtomicFile.WriteAsync(conf, SoftApConfig.RenderHostapd(settings, iface, control, passphrase, driver: "none"), AtomicFile.SecretMode, CancellationToken.None);

        using var daemon = new Daemon(hostapd, conf);
        try
        {
            var status = await WaitForHostapdAsync(control, iface, daemon);

            Assert.True(status.IsEnabled, $"hostapd did not become ENABLED (state {status.State}); its output:\n{daemon.Output}");
            Assert.Equal(settings.Channel, status.Channel);
            Assert.Equal(settings.Ssid, Assert.Single(status.Bsses).Ssid);
            var config = await Runner.RunAsync(Command.Of("hostapd_cli", "-p", control, "-i", iface, "get_config"), CancellationToken.None);
            // An open AP's get_config has no key_mgmt line; a WPA2 one names WPA-PSK.
            if (passphrase is null)
            {
                Assert.DoesNotContain("key_mgmt=", config.StandardOutput, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("\nkey_mgmt=WPA-PSK\n", config.StandardOutput, StringComparison.Ordinal);
            }
        }
        finally
        {
            daemon.Stop();
        }
        Assert.True(daemon.HasExited);
    }

    private static async Task<HostapdStatus> WaitForHostapdAsync(string control, string iface, Daemon daemon)
    {
        var watch = Stopwatch.StartNew();
        var status = new HostapdStatus(null, null, null, null, []);
        while (watch.Elapsed < HostapdStartBound && !daemon.HasExited)
        {
            var result = await Runner.RunAsync(Command.Of("hostapd_cli", "-p", control, "-i", iface, "status") with { Timeout = TimeSpan.FromSeconds(5) }, CancellationToken.None);
            if (result.Succeeded)
            {
                status = HostapdStatusParser.Parse(result.StandardOutput);
                if (status.IsEnabled)
                {
                    return status;
                }
            }
            await Task.Delay(250);
        }
        return status;
    }
}
