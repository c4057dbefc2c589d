using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Config;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Config_Tests
{
    private static readonly AccessPointSettings Ap = new("pi_gateway_A1B2C3");

    [Fact]
    public void Hostapd_open_ap()
    {
        var conf = SoftApConfig.RenderHostapd(Ap, "wlan0", "/run/pi-gateway/hostapd", passphrase: null);

        Assert.Contains("\ninterface=wlan0\n", conf, StringComparison.Ordinal);
        Assert.Contains("\ndriver=nl80211\n", conf, StringComparison.Ordinal);
        Assert.Contains("\nctrl_interface=/run/pi-gateway/hostapd\n", conf, StringComparison.Ordinal);
        Assert.Contains("\nssid=pi_gateway_A1B2C3\n", conf, StringComparison.Ordinal);
        Assert.Contains("\ncountry_code=US\n", conf, StringComparison.Ordinal);
        Assert.Contains("\nhw_mode=g\nchannel=6\n", conf, StringComparison.Ordinal);
        Assert.Contains("\nwpa=0\n", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostapd_wpa2_ap_stores_the_derived_psk_not_the_passphrase()
    {
        var conf = SoftApConfig.RenderHostapd(Ap with { Channel = 36, CountryCode = "de" }, "wlan0", "/run/h", WifiPassphrase.Parse("correct horse"));

        Assert.Contains("\nwpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_psk=", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse", conf, StringComparison.Ordinal);
        Assert.Contains("\nhw_mode=a\nchannel=36\n", conf, StringComparison.Ordinal);
        Assert.Contains("\ncountry_code=DE\n", conf, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("café", "ssid2=636166c3a9")]
    [InlineData("my net", "ssid2=6d79206e6574")]
    [InlineData("a#b", "ssid2=612362")]
    public void Hostapd_writes_other_ssids_as_hex(string ssid, string line) =>
        Assert.Contains("\n" + line + "\n", SoftApConfig.RenderHostapd(Ap with { Ssid = ssid }, "wlan0", "/run/h", null), StringComparison.Ordinal);

    [Theory]
    [InlineData("", "x", 6, "US")]
    [InlineData("123456789012345678901234567890123", "wlan0", 6, "US")]
    [InlineData("ok\nwpa=0", "wlan0", 6, "US")]
    [InlineData("ok", "wlan0\ndriver=none", 6, "US")]
    [InlineData("ok", "wlan0", 15, "US")]
    [InlineData("ok", "wlan0", 6, "USA")]
    [InlineData("ok", "wlan0", 6, "1A")]
    public void Hostapd_refuses_bad_settings(string ssid, string iface, int channel, string country) =>
        Assert.Throws<InvalidWifiSettingException>(() =>
            SoftApConfig.RenderHostapd(new AccessPointSettings(ssid, Channel: channel, CountryCode: country), iface, "/run/h", null));

    [Fact]
    public void Dnsmasq_serves_the_range_from_the_settings()
    {
        var conf = SoftApConfig.RenderDnsmasq(Ap, "wlan0", "/run/pg/leases", "/run/pg/dnsmasq.pid");

        Assert.Contains("\ninterface=wlan0\nbind-interfaces\n", conf, StringComparison.Ordinal);
        Assert.Contains("\nlisten-address=192.168.4.1\n", conf, StringComparison.Ordinal);
        Assert.Contains("\ndhcp-range=192.168.4.10,192.168.4.100,255.255.255.0,1h\n", conf, StringComparison.Ordinal);
        Assert.Contains("\nno-resolv\n", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("\nserver=", conf, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.168.4.1", 24, "192.168.5.10", "192.168.5.20")]
    [InlineData("192.168.4.1", 24, "192.168.4.100", "192.168.4.10")]
    [InlineData("192.168.4.50", 24, "192.168.4.10", "192.168.4.100")]
    [InlineData("192.168.4.0", 24, "192.168.4.10", "192.168.4.100")]
    [InlineData("192.168.4.1", 24, "192.168.4.10", "192.168.4.255")]
    [InlineData("192.168.4.1", 31, "192.168.4.0", "192.168.4.1")]
    [InlineData("fe80::1", 24, "192.168.4.10", "192.168.4.100")]
    [InlineData("192.168.4", 24, "192.168.4.10", "192.168.4.100")]
    public void Dnsmasq_refuses_a_range_outside_the_subnet(string address, int prefix, string start, string end) =>
        Assert.Throws<InvalidWifiSettingException>(() =>
            SoftApConfig.RenderDnsmasq(new AccessPointSettings("x", address, prefix, start, end), "wlan0", "/run/l", "/run/p"));

    [Theory]
    [InlineData("relative/leases")]
    [InlineData("/run/a\nserver=8.8.8.8")]
    public void Dnsmasq_refuses_paths_that_are_not_plain(string path) =>
        Assert.Throws<InvalidWifiSettingException>(() => SoftApConfig.RenderDnsmasq(Ap, "wlan0", path, "/run/p"));

    [Fact]
    public void Wpa_supplicant_block_for_wpa2_holds_hex_ssid_and_derived_psk()
    {
        var conf = StationConfig.RenderWpaSupplicant("Home \"Net\"", "pass word#1\"", WifiSecurity.Wpa2Psk, "gb", "/run/pg/wpa");

        Assert.Contains("\nctrl_interface=/run/pg/wpa\n", conf, StringComparison.Ordinal);
        Assert.Contains("\ncountry=GB\n", conf, StringComparison.Ordinal);
        Assert.Contains("\n\tssid=486f6d6520224e657422\n", conf, StringComparison.Ordinal);
        Assert.Contains("\n\tkey_mgmt=WPA-PSK\n", conf, StringComparison.Ordinal);
        Assert.Matches("\n\tpsk=[0-9a-f]{64}\n}\n$", conf);
        Assert.DoesNotContain("pass word", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void Wpa_supplicant_block_for_open_wpa3_and_transition()
    {
        Assert.Contains("\tkey_mgmt=NONE\n}", StationConfig.RenderWpaSupplicant("cafe", "", WifiSecurity.Open, "US", "/run/w"), StringComparison.Ordinal);

        var sae = StationConfig.RenderWpaSupplicant("cafe", "abcdefgh", WifiSecurity.Wpa3Sae, "US", "/run/w");
        Assert.Contains("\tkey_mgmt=SAE\n\tieee80211w=2\n\tsae_password=6162636465666768\n}", sae, StringComparison.Ordinal);

        var mixed = StationConfig.RenderWpaSupplicant("cafe", "abcdefgh", WifiSecurity.Wpa2Wpa3, "US", "/run/w");
        Assert.Contains("\tkey_mgmt=WPA-PSK SAE\n\tieee80211w=1\n\tpsk=", mixed, StringComparison.Ordinal);
        Assert.Contains("\tsae_password=6162636465666768\n}", mixed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123x")]
    [InlineData("tab\tinside")]
    [InlineData("naïve password")]
    [InlineData("012345678901234567890123456789012345678901234567890123456789012g")]
    public void Passphrases_outside_wpas_rules_are_refused_without_echoing_them(string? password)
    {
        var e = Assert.Throws<InvalidWifiSettingException>(() => StationConfig.RenderWpaSupplicant("net", password, WifiSecurity.Wpa2Psk, "US", "/run/w"));

        Assert.Equal("password", e.Setting);
        if (!string.IsNullOrEmpty(password))
        {
            Assert.DoesNotContain(password, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_hex_psk_is_used_as_is_but_not_for_sae()
    {
        var hex = new string('A', 64);

        Assert.Contains("\tpsk=" + new string('a', 64) + "\n", StationConfig.RenderWpaSupplicant("n", hex, WifiSecurity.Wpa2Psk, "US", "/run/w"), StringComparison.Ordinal);
        Assert.Throws<InvalidWifiSettingException>(() => StationConfig.RenderWpaSupplicant("n", hex, WifiSecurity.Wpa3Sae, "US", "/run/w"));
        Assert.Equal("[psk]", WifiPassphrase.Parse(hex).ToString());
        Assert.Equal("[passphrase]", WifiPassphrase.Parse("12345678").ToString());
    }

    [Theory]
    [InlineData(WifiSecurity.Wep)]
    [InlineData(WifiSecurity.Enterprise)]
    [InlineData(WifiSecurity.Other)]
    public void Unsupported_security_is_refused(WifiSecurity security) =>
        Assert.Equal("security", Assert.Throws<InvalidWifiSettingException>(() => StationConfig.RenderWpaSupplicant("n", "12345678", security, "US", "/run/w")).Setting);

    [Fact]
    public void Psk_derivation_matches_the_ieee_test_vector()
    {
        // IEEE 802.11i-2004 annex H.4: passphrase "password", SSID "IEEE".
        Assert.Equal("f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e", WifiPassphrase.Parse("password").DerivePskHex("IEEE"u8.ToArray()));
    }

    [Fact]
    public void Network_manager_hand_over_snippet()
    {
        Assert.EndsWith("[keyfile]\nunmanaged-devices=interface-name:wlan0\n", NetworkManagerHandOver.Render("wlan0"), StringComparison.Ordinal);
        Assert.Throws<InvalidWifiSettingException>(() => NetworkManagerHandOver.Render("wlan0,eth0"));
    }

    [Fact]
    public async Task Network_manager_hand_over_is_written_atomically()
    {
        using var dir = new TempDirectory();
        var path = dir.File("conf.d/99-pi-gateway-unmanaged.conf");

        await NetworkManagerHandOver.WriteAsync(path, "wlan0", CancellationToken.None);
        await NetworkManagerHandOver.WriteAsync(path, "wlan1", CancellationToken.None);

        Assert.EndsWith("interface-name:wlan1\n", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        Assert.Equal(AtomicFile.PublicMode, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(dir.File("conf.d")));
    }
}
