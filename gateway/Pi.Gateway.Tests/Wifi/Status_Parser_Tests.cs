using Pi.Gateway.Wifi.Parsing;

namespace Pi.Gateway.Tests.Wifi;

public sealed class Status_Parser_Tests
{
    [Theory]
    [InlineData("wpa-cli-status-everest-1.txt", "COMPLETED", "PlusnetWireless", "WPA2-PSK", "172.25.1.11", "c0:ee:40:b0:57:b8")]
    [InlineData("wpa-cli-status-opensync-1.txt", "COMPLETED", "Dummy_ssid_vif0.0", "SAE", "192.168.40.204", "aa:bb:cc:dd:ee:ff")]
    [InlineData("wpa-cli-status-wireless-tools-1.txt", "COMPLETED", "Fake-Wifi", "WPA2-PSK", "10.34.141.168", "e4:28:9c:a8:53:72")]
    [InlineData("wpa-cli-status-wireless-tools-2.txt", "SCANNING", null, null, "10.34.141.168", "e4:28:9c:a8:53:72")]
    public void Wpa_cli_status_fixtures(string file, string state, string? ssid, string? keyMgmt, string ip, string mac)
    {
        var status = WpaCliParser.ParseStatus(Fixture.Read(file));

        Assert.Equal(state, status.WpaState);
        Assert.Equal(ssid, status.Ssid);
        Assert.Equal(keyMgmt, status.KeyManagement);
        Assert.Equal(ip, status.IpAddress);
        Assert.Equal(mac, status.Address);
        Assert.Equal(state == "COMPLETED", status.IsCompleted);
    }

    [Fact]
    public void Every_status_fixture_in_the_folder_is_covered()
    {
        Assert.Equal(4, Fixture.Named("wpa-cli-status").Count());
        Assert.Equal(2, Fixture.Named("hostapd-cli-status").Count());
    }

    [Fact]
    public void Hostapd_status_with_an_escaped_utf8_ssid()
    {
        var status = HostapdStatusParser.Parse(Fixture.Read("hostapd-cli-status-wifi-presence-1.txt"));

        Assert.True(status.IsEnabled);
        Assert.Equal(52, status.Channel);
        Assert.Equal(5260, status.Frequency);
        Assert.Equal(new HostapdBss("wlan0", "aa:bb:cc:ee:12:34", "🌝", 5), Assert.Single(status.Bsses));
    }

    [Fact]
    public void Hostapd_status_of_a_wifi6_ap()
    {
        var status = HostapdStatusParser.Parse(Fixture.Read("hostapd-cli-status-opensync-1.txt"));

        Assert.Equal("ENABLED", status.State);
        Assert.Equal(44, status.Channel);
        Assert.Equal(new HostapdBss("iface_X.Y", "ab:cd:ef:01:23:45", "Dummy_ssid_1.2.3", 1), Assert.Single(status.Bsses));
    }

    [Fact]
    public void Hostapd_status_with_two_bsses_and_a_country()
    {
        const string output = "state=COUNTRY_UPDATE\nchannel=6\nfreq=0\ncountry_code=DE\nbss[0]=wlan0\nbssid[0]=00:00:00:00:00:00\nssid[0]=a\nnum_sta[0]=0\n" +
                              "bss[1]=wlan0_1\nssid[1]=b\\\\c\nnum_sta[1]=x\n";

        var status = HostapdStatusParser.Parse(output);

        Assert.False(status.IsEnabled);
        Assert.Equal("DE", status.CountryCode);
        Assert.Equal([new HostapdBss("wlan0", "00:00:00:00:00:00", "a", 0), new HostapdBss("wlan0_1", null, "b\\c", 0)], status.Bsses);
    }

    [Fact]
    public void Wpa_cli_list_networks()
    {
        const string output = "network id / ssid / bssid / flags\n0\thome\tany\t[CURRENT]\n1\tcaf\\xc3\\xa9\tany\t[TEMP-DISABLED]\n2\tx\tany\n junk\n";

        var networks = WpaCliParser.ParseListNetworks(output);

        Assert.Equal(3, networks.Count);
        Assert.True(networks[0].Current);
        Assert.Equal("café", networks[1].Ssid);
        Assert.True(networks[1].TemporarilyDisabled);
        Assert.Empty(networks[2].Flags);
    }

    [Theory]
    [InlineData("<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid=\"home\" auth_failures=1 duration=10 reason=WRONG_KEY", WpaEventKind.WrongKey, "WRONG_KEY")]
    [InlineData("<3>CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid=\"home\" auth_failures=2 duration=20 reason=CONN_FAILED", WpaEventKind.TemporarilyDisabled, "CONN_FAILED")]
    [InlineData("<3>WPA: 4-Way Handshake failed - pre-shared key may be incorrect", WpaEventKind.WrongKey, "4WAY_HANDSHAKE")]
    [InlineData("<3>CTRL-EVENT-NETWORK-NOT-FOUND ", WpaEventKind.NetworkNotFound, null)]
    [InlineData("<3>CTRL-EVENT-CONNECTED - Connection to 00:11:22:33:44:55 completed [id=1 id_str=]", WpaEventKind.Connected, null)]
    [InlineData("<3>CTRL-EVENT-DISCONNECTED bssid=00:11:22:33:44:55 reason=3 locally_generated=1", WpaEventKind.Disconnected, "3")]
    [InlineData("<3>CTRL-EVENT-ASSOC-REJECT bssid=00:11:22:33:44:55 status_code=17", WpaEventKind.Rejected, null)]
    [InlineData("<3>CTRL-EVENT-SCAN-RESULTS ", WpaEventKind.Other, null)]
    [InlineData("", WpaEventKind.Other, null)]
    public void Wpa_events(string line, WpaEventKind kind, string? reason) =>
        Assert.Equal(new WpaEvent(kind, reason), WpaCliParser.ParseEvent(line));

    [Fact]
    public void Ip_addr_lists_global_ipv4_addresses_first()
    {
        const string output = "3: wlan0    inet 169.254.7.1/16 brd 169.254.255.255 scope link wlan0\\       valid_lft forever preferred_lft forever\n" +
                              "3: wlan0    inet 192.168.1.20/24 brd 192.168.1.255 scope global dynamic wlan0\\       valid_lft 86000sec preferred_lft 86000sec\n" +
                              "3: wlan0    inet bogus/24 scope global\n";

        Assert.Equal(["192.168.1.20", "169.254.7.1"], IpAddressParser.ParseIPv4(output));
        Assert.Empty(IpAddressParser.ParseIPv4(string.Empty));
    }
}
