using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

public sealed class Scan_Parser_Tests
{
    private static readonly string[] NodeWifiFields = ["active", "ssid", "bssid", "mode", "chan", "freq", "signal", "security", "wpa-flags", "rsn-flags"];

    private static IReadOnlyList<ScanCandidate> ParseFixture(string name)
    {
        var text = Fixture.Read(name);
        return name switch
        {
            _ when name.StartsWith("iw-scan", StringComparison.Ordinal) => IwScanParser.Parse(text),
            _ when name.StartsWith("iwlist", StringComparison.Ordinal) => IwlistScanParser.Parse(text),
            _ when name.StartsWith("wpa-cli-scan-results", StringComparison.Ordinal) => WpaCliParser.ParseScanResults(text),
            "nmcli-terse-node-wifi-1.txt" => NmcliParser.ParseWifiList(text, NodeWifiFields),
            "nmcli-getvalues-noescape-ruwi-1.txt" => NmcliParser.ParseWifiList(text, ["SECURITY", "SIGNAL", "SSID"], escaped: false),
            _ => NmcliParser.ParseWifiList(text),
        };
    }

    // file, BSS/cells/rows read, how many of them cannot be listed, entries after dedupe, the strongest.
    [Theory]
    [InlineData("iw-scan-raspberrypi-iutb-1.txt", 18, 0, 3, "eduroam", -62, WifiSecurity.Enterprise)]
    [InlineData("iw-scan-ruwi-1.txt", 2, 0, 2, "Valparaiso_Guest_House 2", -46, WifiSecurity.Wpa2Psk)]
    [InlineData("iw-scan-ruwi-2.txt", 56, 13, 27, "Patrician Pad", -32, WifiSecurity.Wpa2Psk)]
    [InlineData("iw-scan-wireless-tools-1.txt", 8, 1, 7, "Flex-Visitor", -59, WifiSecurity.Open)]
    [InlineData("iwlist-scan-schollz-wifiscan-1.txt", 29, 15, 6, "ExoNet1", -47, WifiSecurity.Wpa2Psk)]
    [InlineData("iwlist-scan-schollz-wifiscan-2.txt", 3, 0, 3, "visitor-18170", -70, WifiSecurity.Wpa2Psk)]
    [InlineData("iwlist-scan-schollz-wifiscan-3.txt", 29, 9, 6, "OppTest", -68, WifiSecurity.Wpa2Psk)]
    [InlineData("iwlist-scan-rockymeza-wifi-1.txt", 1, 0, 1, "3408TT", -45, WifiSecurity.Wpa2Psk)]
    [InlineData("iwlist-scan-rockymeza-wifi-2.txt", 1, 1, 0, null, 0, WifiSecurity.Open)]
    [InlineData("wpa-cli-scan-results-ruwi-1.txt", 2, 0, 2, "Valparaiso_Guest_House 2", -47, WifiSecurity.Wpa2Psk)]
    [InlineData("wpa-cli-scan-results-ruwi-2.txt", 7, 2, 4, "Nima Lodge", -41, WifiSecurity.Wpa2Psk)]
    [InlineData("wpa-cli-scan-results-ruwi-empty.txt", 0, 0, 0, null, 0, WifiSecurity.Open)]
    [InlineData("wpa-cli-scan-results-everest-1.txt", 10, 3, 6, "PlusnetWireless", -71, WifiSecurity.Wpa2Psk)]
    [InlineData("nmcli-terse-node-wifi-1.txt", 14, 1, 9, "EBOX_6070", -40, WifiSecurity.Wpa2Psk)]
    [InlineData("nmcli-getvalues-noescape-ruwi-1.txt", 12, 3, 7, "Patrician Pad", -43, WifiSecurity.Wpa2Psk)]
    [InlineData("nmcli-wifi-list-table-shimakaze-1.txt", 0, 0, 0, null, 0, WifiSecurity.Open)]
    [InlineData("nmcli-wifi-list-table-ci4rail-1.txt", 0, 0, 0, null, 0, WifiSecurity.Open)]
    public void Every_scan_fixture_gives_a_valid_deduplicated_list(
        string file, int read, int unlisted, int entries, string? strongest, int signal, WifiSecurity security)
    {
        var candidates = ParseFixture(file);
        var list = ScanList.Build(candidates);

        Assert.Equal(read, candidates.Count);
        Assert.Equal(unlisted, candidates.Count(c => c.Ssid is null));
        Assert.Equal(entries, list.Count);
        new SsidList(list).Validate();
        Assert.Equal(list.Count, list.Select(e => e.Ssid).Distinct(StringComparer.Ordinal).Count());
        Assert.True(list.Zip(list.Skip(1)).All(p => p.First.Signal >= p.Second.Signal), "strongest first");
        if (strongest is not null)
        {
            Assert.Equal(new SsidEntry(strongest, signal, security), list[0]);
        }
    }

    [Fact]
    public void Every_scan_fixture_in_the_folder_is_covered()
    {
        var covered = typeof(Scan_Parser_Tests).GetMethod(nameof(Every_scan_fixture_gives_a_valid_deduplicated_list))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (string)a.GetData(null!).First()[0]).ToHashSet(StringComparer.Ordinal);
        var files = new[] { "iw-scan", "iwlist", "wpa-cli-scan-results", "nmcli" }.SelectMany(Fixture.Named);
        Assert.All(files, file => Assert.Contains(file, covered));
    }

    [Fact]
    public void Duplicates_keep_the_strongest_signal()
    {
        var list = ScanList.Build(WpaCliParser.ParseScanResults(Fixture.Read("wpa-cli-scan-results-ruwi-2.txt")));

        // "Nima Lodge" is seen at -41 and -85 dBm.
        Assert.Equal(-41, Assert.Single(list, e => e.Ssid == "Nima Lodge").Signal);
    }

    [Fact]
    public void Iw_reads_security_from_the_rsn_and_wpa_elements()
    {
        var list = ScanList.Build(IwScanParser.Parse(Fixture.Read("iw-scan-wireless-tools-1.txt")));

        Assert.Equal(WifiSecurity.WpaPsk, list.Single(e => e.Ssid == "Wink-Visitor").Security);
        Assert.Equal(WifiSecurity.Enterprise, list.Single(e => e.Ssid == "Flex-Skynet").Security);
        Assert.Equal(WifiSecurity.Wep, list.Single(e => e.Ssid == "beast10").Security);
        Assert.Equal(WifiSecurity.Open, list.Single(e => e.Ssid == "Flex-Visitor").Security);
    }

    [Fact]
    public void Iw_skips_hidden_and_nul_ssids_and_decodes_escapes()
    {
        var output = "BSS 00:11:22:33:44:55(on wlan0)\n\tsignal: -40.00 dBm\n\tSSID: \\x00\\x00\n" +
                              "BSS 00:11:22:33:44:56(on wlan0)\n\tsignal: -41.00 dBm\n\tSSID: \n" +
                              "BSS 00:11:22:33:44:57(on wlan0) -- associated\n\tsignal: -42.00 dBm\n\tSSID: caf\\xc3\\xa9 \\x5cbar\\x20\n" +
                              "BSS 00:11:22:33:44:58(on wlan0)\n\tsignal: -43.00 dBm\n\tSSID: bad\\xff\\xfe\n" +
                              "BSS 00:11:22:33:44:59(on wlan0)\n\tsignal: -44.00 dBm\n\tSSID: " + new string('a', 33) + "\n" +
                              "BSS 00:11:22:33:44:5a(on wlan0)\n\tcapability: ESS Privacy (0x0011)\n\tsignal: -45.00 dBm\n\tSSID: x\n" +
                              "\tRSN:\t * Version: 1\n\t\t * Authentication suites: PSK SAE\n";

        var list = ScanList.Build(IwScanParser.Parse(output));

        Assert.Equal([new SsidEntry("café \\bar ", -42, WifiSecurity.Open), new SsidEntry("x", -45, WifiSecurity.Wpa2Wpa3)], list);
    }

    [Fact]
    public void Iwlist_reads_quality_only_drivers_and_the_hidden_placeholder()
    {
        var candidates = IwlistScanParser.Parse(Fixture.Read("iwlist-scan-schollz-wifiscan-1.txt"));

        Assert.Equal(15, candidates.Count(c => c.Ssid is null));
        // "Signal level=56/100" and no dBm: NetworkManager's percent scale, inverted.
        Assert.Equal(SignalLevel.FromPercent(56), candidates[0].Signal);
        Assert.Equal("TEST-Wifi", candidates[0].Ssid);
    }

    [Fact]
    public void Iwlist_maps_unnamed_akm_numbers()
    {
        const string output = "          Cell 01 - Address: 00:11:22:33:44:55\n" +
                              "                    Quality=70/70  Signal level=-30 dBm\n" +
                              "                    Encryption key:on\n                    ESSID:\"wpa3\"\n" +
                              "                    IE: IEEE 802.11i/WPA2 Version 1\n" +
                              "                        Authentication Suites (1) : unknown (8)\n";

        Assert.Equal(new ScanCandidate("wpa3", -30, WifiSecurity.Wpa3Sae), Assert.Single(IwlistScanParser.Parse(output)));
    }

    [Theory]
    [InlineData("[ESS]", WifiSecurity.Open)]
    [InlineData("[WEP][ESS]", WifiSecurity.Wep)]
    [InlineData("[WPA-PSK-TKIP][ESS]", WifiSecurity.WpaPsk)]
    [InlineData("[WPA-PSK-CCMP+TKIP][WPA2-PSK-CCMP+TKIP][WPS][ESS]", WifiSecurity.Wpa2Psk)]
    [InlineData("[WPA2-EAP-CCMP+TKIP][ESS]", WifiSecurity.Enterprise)]
    [InlineData("[WPA2-SAE-CCMP][ESS]", WifiSecurity.Wpa3Sae)]
    [InlineData("[RSN-SAE-CCMP][ESS]", WifiSecurity.Wpa3Sae)]
    [InlineData("[WPA2-PSK+SAE-CCMP][ESS]", WifiSecurity.Wpa2Wpa3)]
    [InlineData("[WPA2-PSK-SHA256-CCMP][ESS]", WifiSecurity.Wpa2Psk)]
    [InlineData("[WPA2-OWE-CCMP][ESS]", WifiSecurity.Other)]
    [InlineData("", WifiSecurity.Open)]
    public void Wpa_cli_flags_map_to_a_security(string flags, WifiSecurity expected) =>
        Assert.Equal(expected, WpaCliParser.ParseFlags(flags));

    [Fact]
    public void Wpa_cli_decodes_printf_escapes_and_positive_levels_as_quality()
    {
        const string output = "bssid / frequency / signal level / flags / ssid\n" +
                              "00:11:22:33:44:55\t2412\t-50\t[ESS]\tsay \\\"hi\\\" \\\\o/\n" +
                              "00:11:22:33:44:56\t2412\t80\t[ESS]\tquality\n" +
                              "00:11:22:33:44:57\t2412\tloud\t[ESS]\tbroken\n" +
                              "00:11:22:33:44:58\t2412\t-51\t[ESS]\tbad\\q\n";

        var candidates = WpaCliParser.ParseScanResults(output);

        Assert.Equal(
            [new ScanCandidate("say \"hi\" \\o/", -50, WifiSecurity.Open), new ScanCandidate("quality", SignalLevel.FromPercent(80), WifiSecurity.Open), new ScanCandidate(null, -51, WifiSecurity.Open)],
            candidates);
    }

    [Theory]
    [InlineData("", WifiSecurity.Open)]
    [InlineData("--", WifiSecurity.Open)]
    [InlineData("WEP", WifiSecurity.Wep)]
    [InlineData("WPA1", WifiSecurity.WpaPsk)]
    [InlineData("WPA1 WPA2", WifiSecurity.Wpa2Psk)]
    [InlineData("WPA2 802.1X", WifiSecurity.Enterprise)]
    [InlineData("WPA1 WPA2 802.1X", WifiSecurity.Enterprise)]
    [InlineData("WPA3", WifiSecurity.Wpa3Sae)]
    [InlineData("WPA2 WPA3", WifiSecurity.Wpa2Wpa3)]
    [InlineData("OWE", WifiSecurity.Other)]
    public void Nmcli_security_maps_to_a_security(string security, WifiSecurity expected) =>
        Assert.Equal(expected, NmcliParser.ParseSecurity(security));

    [Fact]
    public void Nmcli_terse_lines_undo_the_colon_and_backslash_escapes()
    {
        Assert.Equal(["a:b", "c\\d", "", "e"], NmcliParser.SplitTerse("a\\:b:c\\\\d::e"));

        var list = ScanList.Build(NmcliParser.ParseWifiList("my\\:net\\\\x:70:WPA2\n\nother:abc:WPA2\n"));

        Assert.Equal([new SsidEntry("my:net\\x", SignalLevel.FromPercent(70), WifiSecurity.Wpa2Psk)], list);
    }

    [Fact]
    public void Text_that_was_not_utf8_when_decoded_is_not_listed() =>
        Assert.Empty(ScanList.Build(NmcliParser.ParseWifiList("bad\uFFFDname:70:WPA2\n")));

    [Fact]
    public void Nmcli_reads_utf8_ssids_and_the_rsn_flags()
    {
        var candidates = NmcliParser.ParseWifiList(Fixture.Read("nmcli-terse-node-wifi-1.txt"), NodeWifiFields);

        Assert.Contains(new ScanCandidate("Linksys01777-invité", -40, WifiSecurity.Open), candidates);
        var flagsOnly = NmcliParser.ParseWifiList("x:50:(none):pair_ccmp group_ccmp sae\n", ["SSID", "SIGNAL", "WPA-FLAGS", "RSN-FLAGS"]);
        Assert.Equal(WifiSecurity.Wpa3Sae, Assert.Single(flagsOnly).Security);
    }

    [Theory]
    [InlineData(100, -40)]
    [InlineData(0, -100)]
    [InlineData(50, -70)]
    [InlineData(150, -40)]
    [InlineData(-5, -100)]
    public void Percent_maps_onto_networkmanagers_dbm_scale(int percent, int dbm) =>
        Assert.Equal(dbm, SignalLevel.FromPercent(percent));

    [Theory]
    [InlineData(-200.0, -127)]
    [InlineData(5.0, 0)]
    [InlineData(-64.5, -65)]
    public void Dbm_is_clamped_into_the_ssid_entry_range(double dbm, int expected) =>
        Assert.Equal(expected, SignalLevel.FromDbm(dbm));

    [Fact]
    public void Oversized_output_is_refused_with_a_wifi_exception()
    {
        var huge = new string('x', ToolOutput.MaxChars + 1);

        Assert.Throws<WifiException>(() => IwScanParser.Parse(huge));
        Assert.Throws<WifiException>(() => IwlistScanParser.Parse(huge));
        Assert.Throws<WifiException>(() => WpaCliParser.ParseScanResults(huge));
        Assert.Throws<WifiException>(() => NmcliParser.ParseWifiList(huge));
        Assert.Throws<WifiException>(() => WpaCliParser.ParseStatus(huge));
        Assert.Throws<WifiException>(() => HostapdStatusParser.Parse(huge));
    }

    [Fact]
    public void Entries_are_bounded()
    {
        var many = string.Concat(Enumerable.Range(0, ToolOutput.MaxEntries + 50).Select(i =>
            FormattableString.Invariant($"BSS 00:00:00:00:00:00(on wlan0)\n\tsignal: -{i % 90}.00 dBm\n\tSSID: net{i}\n")));

        var candidates = IwScanParser.Parse(many);

        Assert.Equal(ToolOutput.MaxEntries, candidates.Count);
        Assert.Equal(SsidList.MaxNetworks, ScanList.Build(candidates).Count);
    }

    [Fact]
    public void Over_long_lines_are_skipped()
    {
        var output = "bssid / frequency / signal level / flags / ssid\n" +
                     "00:11:22:33:44:55\t2412\t-50\t[ESS]\t" + new string('a', ToolOutput.MaxLineChars) + "\n" +
                     "00:11:22:33:44:56\t2412\t-60\t[ESS]\tok\r\n";

        Assert.Equal([new ScanCandidate("ok", -60, WifiSecurity.Open)], WpaCliParser.ParseScanResults(output));
    }
}
