using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Hostapd;
using Pi.Gateway.Wifi.NetworkManager;
using Pi.Gateway.Wifi.Simulated;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

public sealed class Wifi_Registration_Tests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddWifi(configuration).BuildServiceProvider();
    }

    [Theory]
    [InlineData("Hostapd", typeof(HostapdWifiRadio))]
    [InlineData("networkmanager", typeof(NetworkManagerWifiRadio))]
    [InlineData("Simulated", typeof(SimulatedWifiRadio))]
    public void The_driver_picks_the_radio(string driver, Type radio)
    {
        using var services = Build(new() { ["Wifi:Driver"] = driver, ["Wifi:MacAddress"] = "b8:27:eb:00:00:01" });

        Assert.IsType(radio, services.GetRequiredService<IWifiRadio>());
    }

    [Fact]
    public void The_default_is_the_simulated_radio_with_an_empty_world()
    {
        using var services = Build([]);

        var radio = Assert.IsType<SimulatedWifiRadio>(services.GetRequiredService<IWifiRadio>());
        Assert.Equal("020000000001", radio.MacAddress.ToString());
    }

    [Fact]
    public void The_mac_override_applies_to_the_simulated_radio_too()
    {
        using var services = Build(new() { ["Wifi:MacAddress"] = "02:00:00:00:00:05" });

        Assert.Equal("020000000005", services.GetRequiredService<IWifiRadio>().MacAddress.ToString());
    }

    [Fact]
    public void Options_bind_without_reflection()
    {
        using var services = Build(new()
        {
            ["Wifi:Driver"] = "Hostapd",
            ["Wifi:Interface"] = "wlan1",
            ["Wifi:CountryCode"] = "DE",
            ["Wifi:AccessPointPassphrase"] = "provision-me",
            ["Wifi:RuntimeDirectory"] = "/run/x",
            ["Wifi:DhcpClient"] = "Dhcpcd",
            ["Wifi:HandOverFromNetworkManager"] = "false",
            ["Wifi:PollInterval"] = "00:00:01",
        });

        var options = services.GetRequiredService<IOptions<WifiOptions>>().Value;

        Assert.Equal((WifiDriver.Hostapd, "wlan1", "DE", "provision-me", "/run/x", DhcpClientKind.Dhcpcd, false, TimeSpan.FromSeconds(1)),
            (options.Driver, options.Interface, options.CountryCode, options.AccessPointPassphrase, options.RuntimeDirectory, options.DhcpClient, options.HandOverFromNetworkManager, options.PollInterval));
        Assert.Equal("/etc/wpa_supplicant/wpa_supplicant-wlan1.conf", options.ResolvedStationConfigPath);
    }

    [Fact]
    public async Task The_simulated_world_can_come_from_the_section()
    {
        using var services = Build(new()
        {
            ["Wifi:Simulated:MacAddress"] = "02:00:00:00:00:09",
            ["Wifi:Simulated:Networks:0:Ssid"] = "Home",
            ["Wifi:Simulated:Networks:0:Password"] = "correct horse",
            ["Wifi:Simulated:Networks:0:Signal"] = "-40",
            ["Wifi:Simulated:Networks:1:Ssid"] = "Lab",
            ["Wifi:Simulated:Networks:1:Security"] = "wpa3-sae",
            ["Wifi:Simulated:Networks:1:Failure"] = "no_ip_address",
            ["Wifi:Simulated:Networks:2:Ssid"] = "NoDhcp",
            ["Wifi:Simulated:Networks:2:Ip"] = "",
        });

        var radio = services.GetRequiredService<IWifiRadio>();

        Assert.Equal("020000000009", radio.MacAddress.ToString());
        Assert.Equal(
            [new SsidEntry("Home", -40, WifiSecurity.Wpa2Psk), new SsidEntry("Lab", -50, WifiSecurity.Wpa3Sae), new SsidEntry("NoDhcp", -50, WifiSecurity.Open)],
            await radio.ScanAsync(CancellationToken.None));
        Assert.Equal(JoinResult.Success("192.168.1.50"), await radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(JoinResult.Failed(WifiFailure.NoIpAddress), await radio.JoinAsync("Lab", "anything", TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(JoinResult.Failed(WifiFailure.NoIpAddress), await radio.JoinAsync("NoDhcp", string.Empty, TimeSpan.FromSeconds(5), CancellationToken.None));
    }

    [Fact]
    public async Task The_simulated_world_can_come_from_a_file()
    {
        using var dir = new TempDirectory();
        var file = dir.File("networks.json");
        await File.WriteAllTextAsync(file, """{ "networks": [ { "ssid": "FromFile", "signal": -30 } ] }""", Encoding.UTF8);
        using var services = Build(new() { ["Wifi:SimulatedNetworksFile"] = file });

        var list = await services.GetRequiredService<IWifiRadio>().ScanAsync(CancellationToken.None);

        Assert.Equal([new SsidEntry("FromFile", -30, WifiSecurity.Open)], list);
    }

    [Theory]
    [InlineData("Wifi:Interface", "wlan0; rm -rf /")]
    [InlineData("Wifi:CountryCode", "USA")]
    [InlineData("Wifi:AccessPointPassphrase", "short")]
    [InlineData("Wifi:RuntimeDirectory", "relative")]
    [InlineData("Wifi:MacAddress", "xx")]
    [InlineData("Wifi:SimulatedNetworksFile", "/nonexistent/networks.json")]
    public void Bad_options_fail_validation_and_name_the_setting(string key, string value)
    {
        using var services = Build(new() { [key] = value });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<WifiOptions>>().Value);

        Assert.Contains(key.Split(':')[1].Length > 0 ? "Wifi" : key, e.Message, StringComparison.Ordinal);
        if (key.EndsWith("Passphrase", StringComparison.Ordinal))
        {
            Assert.DoesNotContain(value, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Wifi:Driver", "Magic")]
    [InlineData("Wifi:Driver", "1")]
    [InlineData("Wifi:PollInterval", "soon")]
    [InlineData("Wifi:HandOverFromNetworkManager", "maybe")]
    public void Malformed_values_are_refused(string key, string value)
    {
        using var services = Build(new() { [key] = value });

        var e = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IOptions<WifiOptions>>().Value);

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }
}
