using System.Diagnostics;
using System.Text.RegularExpressions;
using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.Config;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

/// <summary>
/// The generated files, read by the real programs: dnsmasq's syntax check, wpa_supplicant with
/// driver=none on a veth in a throwaway network namespace, and wpa_passphrase for the PSK
/// (hostapd: Real_Hostapd_Tests.cs).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class Real_Tool_Config_Tests
{
    private static readonly ProcessCommandRunner Runner = new();

    [Fact]
    public async Task Dnsmasq_accepts_the_generated_config()
    {
        RealTools.Require("dnsmasq");
        using var dir = new TempDirectory();
        var conf = dir.File("dnsmasq.conf");
        await AtomicFile.WriteAsync(conf, SoftApConfig.RenderDnsmasq(new AccessPointSettings("x"), "wlan0", dir.File("leases"), dir.File("dnsmasq.pid")),
            AtomicFile.PublicMode, CancellationToken.None);

        var result = await Runner.RunAsync(Command.Of("dnsmasq", "--test", "-C", conf), CancellationToken.None);

        Assert.True(result.Succeeded, $"dnsmasq --test failed: {result.StandardError}");
        Assert.Contains("syntax check OK", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dnsmasq_check_is_real_it_refuses_a_broken_line()
    {
        RealTools.Require("dnsmasq");
        using var dir = new TempDirectory();
        var conf = dir.File("dnsmasq.conf");
        await File.WriteAllTextAsync(conf, SoftApConfig.RenderDnsmasq(new AccessPointSettings("x"), "wlan0", dir.File("l"), dir.File("p")) + "dhcp-range=nonsense\n");

        var result = await Runner.RunAsync(Command.Of("dnsmasq", "--test", "-C", conf), CancellationToken.None);

        Assert.False(result.Succeeded);
    }

    [Theory]
    [InlineData("Home \"Net\" é", "pass word#1\"x", WifiSecurity.Wpa2Psk, "WPA-PSK")]
    [InlineData("sae-only", "abcdefgh", WifiSecurity.Wpa3Sae, "SAE")]
    [InlineData("transition", "abc#def\"ghi", WifiSecurity.Wpa2Wpa3, "WPA-PSK SAE")]
    [InlineData("cafe", "", WifiSecurity.Open, "NONE")]
    public async Task Wpa_supplicant_reads_the_generated_network_block(string ssid, string password, WifiSecurity security, string keyManagement)
    {
        var supplicant = RealTools.Require("wpa_supplicant");
        RealTools.Require("wpa_cli");
        using var dir = new TempDirectory();
        var control = dir.File("wpa");
        var conf = dir.File("wpa_supplicant.conf");
        await AtomicFile.WriteAsync(conf, StationConfig.RenderWpaSupplicant(ssid, password, security, "US", control), AtomicFile.SecretMode, CancellationToken.None);
        await using var space = await NetworkNamespace.CreateAsync();

        // -dd -K: the debug log shows each value as parsed, keys included (test secrets only).
        using var daemon = new Daemon("ip", "netns", "exec", space.Name, supplicant, "-dd", "-K", "-D", "none", "-i", NetworkNamespace.Interface, "-c", conf);
        try
        {
            var networks = await WaitForNetworksAsync(control, daemon);
            Assert.Equal(ssid, Assert.Single(networks).Ssid);
            var keyMgmt = await Runner.RunAsync(Command.Of("wpa_cli", "-p", control, "-i", NetworkNamespace.Interface, "get_network", "0", "key_mgmt"), CancellationToken.None);
            Assert.Equal(keyManagement, keyMgmt.StandardOutput.Trim());
        }
        finally
        {
            daemon.Stop();
        }
        var log = daemon.Output;
        Assert.DoesNotContain("failed to parse", log, StringComparison.OrdinalIgnoreCase);
        if (security is WifiSecurity.Wpa2Psk or WifiSecurity.Wpa2Wpa3)
        {
            Assert.Equal(await WpaPassphrasePskAsync(ssid, password), HexDump(log, "PSK"));
        }
        if (security is WifiSecurity.Wpa3Sae or WifiSecurity.Wpa2Wpa3)
        {
            Assert.Equal(Convert.ToHexStringLower(System.Text.Encoding.ASCII.GetBytes(password)), HexDump(log, "sae_password"));
        }
    }

    private static async Task<IReadOnlyList<WpaNetwork>> WaitForNetworksAsync(string control, Daemon daemon)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20) && !daemon.HasExited)
        {
            var result = await Runner.RunAsync(Command.Of("wpa_cli", "-p", control, "-i", NetworkNamespace.Interface, "list_networks") with { Timeout = TimeSpan.FromSeconds(5) }, CancellationToken.None);
            if (result.Succeeded && result.StandardOutput.StartsWith("network id", StringComparison.Ordinal))
            {
                return WpaCliParser.ParseListNetworks(result.StandardOutput);
            }
            await Task.Delay(200);
        }
        Assert.Fail($"wpa_supplicant did not answer on its control interface; its output:\n{daemon.Output}");
        return [];
    }

    private static async Task<string> WpaPassphrasePskAsync(string ssid, string passphrase)
    {
        RealTools.Require("wpa_passphrase");
        // wpa_passphrase reads the passphrase from stdin when it is not on the command line.
        var result = await Runner.RunAsync(Command.Of("wpa_passphrase", ssid) with { StandardInput = passphrase + "\n" }, CancellationToken.None);
        Assert.True(result.Succeeded, result.StandardError + result.StandardOutput);
        return PskLine().Match(result.StandardOutput).Groups[1].Value;
    }

    // "PSK - hexdump(len=32): f4 2c …" or "sae_password - hexdump_ascii(len=8):" followed by " 61 62 …  ab" lines.
    private static string HexDump(string log, string name)
    {
        var lines = log.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (!line.StartsWith(name + " - hexdump", StringComparison.Ordinal))
            {
                continue;
            }
            var inline = line[(line.IndexOf("):", StringComparison.Ordinal) + 2)..].Trim();
            if (inline.Length > 0)
            {
                return inline.Replace(" ", string.Empty, StringComparison.Ordinal);
            }
            var hex = new System.Text.StringBuilder();
            for (var j = i + 1; j < lines.Length && lines[j].StartsWith("     ", StringComparison.Ordinal); j++)
            {
                hex.Append(lines[j].AsSpan(5, Math.Min(48, lines[j].Length - 5)).ToString().Replace(" ", string.Empty, StringComparison.Ordinal));
            }
            return hex.ToString();
        }
        Assert.Fail($"wpa_supplicant's debug output has no {name} line");
        return string.Empty;
    }

    [GeneratedRegex("\n\\s*psk=([0-9a-f]{64})")]
    private static partial Regex PskLine();
}
