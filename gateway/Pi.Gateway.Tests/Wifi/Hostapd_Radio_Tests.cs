using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.Config;
using Pi.Gateway.Wifi.Hostapd;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Hostapd_Radio_Tests : IDisposable
{
    private const string HomeScan = "BSS 00:11:22:33:44:55(on wlan0)\n\tsignal: -48.00 dBm\n\tcapability: ESS Privacy (0x0011)\n\tSSID: Home\n\tRSN:\t * Version: 1\n\t\t * Authentication suites: PSK\n" +
                                    "BSS 00:11:22:33:44:66(on wlan0)\n\tsignal: -70.00 dBm\n\tcapability: ESS Privacy (0x0011)\n\tSSID: Campus\n\tRSN:\t * Version: 1\n\t\t * Authentication suites: IEEE 802.1X\n" +
                                    "BSS 00:11:22:33:44:77(on wlan0)\n\tsignal: -60.00 dBm\n\tcapability: ESS (0x0001)\n\tSSID: Cafe\n";

    private static readonly AccessPointSettings Ap = new("pi_gateway_A1B2C3");

    private readonly TempDirectory _dir = new();
    private readonly FakeSystem _system = new() { IwScan = HomeScan };
    private readonly WifiOptions _options;
    private readonly HostapdWifiRadio _radio;

    public Hostapd_Radio_Tests()
    {
        _options = FakeSystem.Options(_dir.Path);
        _radio = new HostapdWifiRadio(_options, _system, _system.Time);
    }

    public void Dispose()
    {
        _radio.Dispose();
        _dir.Dispose();
    }

    private string RunFile(string name) => Path.Combine(_options.RuntimeDirectory, name);

    [Fact]
    public void The_mac_comes_from_the_options_override() =>
        Assert.Equal("B827EB123456", _radio.MacAddress.ToString());

    [Fact]
    public async Task Scan_reads_iw_and_lists_the_strongest_first()
    {
        var list = await _radio.ScanAsync(CancellationToken.None);

        Assert.Equal([new SsidEntry("Home", -48, WifiSecurity.Wpa2Psk), new SsidEntry("Cafe", -60, WifiSecurity.Open), new SsidEntry("Campus", -70, WifiSecurity.Enterprise)], list);
        Assert.Equal(["ip link set wlan0 up", "iw dev wlan0 scan"], _system.CallLines);
    }

    [Fact]
    public async Task A_busy_radio_is_retried_then_the_cached_results_are_used()
    {
        _system.On("iw", "scan", _ => CommandResult.Fail(240, "command failed: Device or resource busy (-16)"));
        _system.On("iw", "scan dump", _ => CommandResult.Ok(HomeScan));

        var list = await _radio.ScanAsync(CancellationToken.None);

        Assert.Equal(3, list.Count);
        Assert.Equal(3, _system.CallLines.Count(l => l == "iw dev wlan0 scan"));
        Assert.Contains("iw dev wlan0 scan dump", _system.CallLines);
    }

    [Fact]
    public async Task A_failed_scan_is_a_wifi_exception()
    {
        _system.On("iw", "scan", _ => CommandResult.Fail(237, "command failed: Network is down (-100)"));

        var e = await Assert.ThrowsAsync<WifiException>(() => _radio.ScanAsync(CancellationToken.None));

        Assert.Contains("Network is down", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starting_the_ap_hands_over_writes_the_configs_and_starts_hostapd_then_dnsmasq()
    {
        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);

        Assert.Equal(
            [
                "nmcli device set wlan0 managed no",
                "ip addr flush dev wlan0",
                "ip addr add 192.168.4.1/24 dev wlan0",
                "ip link set wlan0 up",
                $"hostapd -B -P {RunFile("hostapd.pid")} {RunFile("hostapd.conf")}",
                $"hostapd_cli -p {RunFile("hostapd")} -i wlan0 status",
                $"dnsmasq -C {RunFile("dnsmasq.conf")}",
            ],
            _system.CallLines);
        Assert.Equal(["hostapd", "dnsmasq"], _system.Running.Values.Order(StringComparer.Ordinal).Reverse());
        Assert.Contains("\nssid=pi_gateway_A1B2C3\n", await File.ReadAllTextAsync(RunFile("hostapd.conf")), StringComparison.Ordinal);
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(RunFile("hostapd.conf")));
        Assert.Contains("\ndhcp-range=192.168.4.10,192.168.4.100,", await File.ReadAllTextAsync(RunFile("dnsmasq.conf")), StringComparison.Ordinal);
        Assert.EndsWith("unmanaged-devices=interface-name:wlan0\n", await File.ReadAllTextAsync(_options.NetworkManagerConfPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starting_the_ap_again_is_idempotent_and_new_settings_restart_it()
    {
        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);
        var first = _system.Running.Keys.ToList();

        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);
        Assert.Equal(first, _system.Running.Keys.ToList());
        Assert.Single(_system.CallLines, l => l.StartsWith("hostapd -B", StringComparison.Ordinal));

        await _radio.StartAccessPointAsync(Ap with { Channel = 11 }, CancellationToken.None);
        Assert.Equal(2, _system.CallLines.Count(l => l.StartsWith("hostapd -B", StringComparison.Ordinal)));
        Assert.All(first, pid => Assert.Contains($"kill -TERM {pid}", _system.CallLines));
        Assert.Equal(2, _system.Running.Count);
        Assert.Single(_system.CallLines, l => l.StartsWith("nmcli", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_ap_with_a_passphrase_is_wpa2()
    {
        _options.AccessPointPassphrase = "provision-me";

        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);

        var conf = await File.ReadAllTextAsync(RunFile("hostapd.conf"));
        Assert.Contains("\nwpa=2\n", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("provision-me", conf, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ap_that_never_enables_is_a_wifi_exception_and_hostapd_is_stopped()
    {
        _system.HostapdState = "COUNTRY_UPDATE";

        var e = await Assert.ThrowsAsync<WifiException>(() => _radio.StartAccessPointAsync(Ap, CancellationToken.None));

        Assert.Contains("COUNTRY_UPDATE", e.Message, StringComparison.Ordinal);
        Assert.Empty(_system.Running);
        Assert.DoesNotContain(_system.CallLines, l => l.StartsWith("dnsmasq", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scanning_is_refused_while_the_ap_is_up()
    {
        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);

        await Assert.ThrowsAsync<WifiException>(() => _radio.ScanAsync(CancellationToken.None));
        Assert.DoesNotContain(_system.CallLines, l => l.StartsWith("iw", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stopping_the_ap_stops_both_daemons_by_pid_and_is_idempotent()
    {
        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);
        var pids = _system.Running.Keys.ToList();

        await _radio.StopAccessPointAsync(CancellationToken.None);
        await _radio.StopAccessPointAsync(CancellationToken.None);

        Assert.Empty(_system.Running);
        Assert.All(pids, pid => Assert.Single(_system.CallLines, l => l == $"kill -TERM {pid}"));
        Assert.False(File.Exists(RunFile("hostapd.pid")));
        Assert.Equal(2, _system.CallLines.Count(l => l == "ip addr flush dev wlan0"));
    }

    [Fact]
    public async Task A_stale_pid_file_naming_another_program_kills_nothing()
    {
        Directory.CreateDirectory(_options.RuntimeDirectory);
        var other = _system.Start("sshd", null);
        await File.WriteAllTextAsync(RunFile("hostapd.pid"), $"{other}\n");

        await _radio.StopAccessPointAsync(CancellationToken.None);

        Assert.Contains(other, _system.Running.Keys);
        Assert.DoesNotContain(_system.CallLines, l => l.StartsWith("kill", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Joining_stops_the_ap_starts_wpa_supplicant_and_dhcp_and_saves_the_network()
    {
        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);
        _system.WpaStates.AddRange(["ASSOCIATING", "4WAY_HANDSHAKE", "COMPLETED"]);

        var result = await _radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(JoinResult.Success("192.168.1.20"), result);
        Assert.Equal(["wpa_supplicant", "dhclient"], _system.Running.Values.Order(StringComparer.Ordinal).Reverse());
        var saved = await File.ReadAllTextAsync(_options.ResolvedStationConfigPath);
        Assert.Contains("\tssid=486f6d65\n", saved, StringComparison.Ordinal);
        Assert.Contains("\tkey_mgmt=WPA-PSK\n", saved, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse", saved, StringComparison.Ordinal);
        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(_options.ResolvedStationConfigPath));
        Assert.False(File.Exists(RunFile("wpa_supplicant-candidate.conf")));
        Assert.DoesNotContain(_system.CallLines, l => l.Contains("correct horse", StringComparison.Ordinal));
        Assert.Contains($"wpa_supplicant -B -i wlan0 -D nl80211 -c {RunFile("wpa_supplicant-candidate.conf")} -P {RunFile("wpa_supplicant.pid")} -f {RunFile("wpa_supplicant.log")}", _system.CallLines);
        Assert.Contains($"dhclient -4 -1 -pf {RunFile("dhclient.pid")} -lf {RunFile("dhclient.leases")} wlan0", _system.CallLines);
    }

    [Fact]
    public async Task A_wrong_key_event_in_the_log_is_a_wrong_password_and_nothing_is_saved()
    {
        _system.WpaStates.AddRange(["ASSOCIATING", "4WAY_HANDSHAKE", "DISCONNECTED"]);
        _system.WpaLogAt[3] = "wlan0: CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid=\"Home\" auth_failures=1 duration=10 reason=WRONG_KEY";

        var result = await _radio.JoinAsync("Home", "not the password", TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(WifiFailure.WrongPassword), result);
        Assert.Empty(_system.Running);
        Assert.False(File.Exists(_options.ResolvedStationConfigPath));
    }

    [Fact]
    public async Task A_temporarily_disabled_network_after_the_handshake_is_a_wrong_password()
    {
        _system.WpaStates.AddRange(["4WAY_HANDSHAKE", "SCANNING"]);
        _system.On("wpa_cli", "list_networks", _ => _system.WpaStatusPolls >= 3
            ? CommandResult.Ok("network id / ssid / bssid / flags\n0\tHome\tany\t[TEMP-DISABLED]\n")
            : CommandResult.Ok("network id / ssid / bssid / flags\n0\tHome\tany\t\n"));

        var result = await _radio.JoinAsync("Home", "not the password", TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(WifiFailure.WrongPassword), result);
    }

    [Fact]
    public async Task A_network_missing_from_the_scans_is_not_found()
    {
        var result = await _radio.JoinAsync("Elsewhere", "whatever1", TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(WifiFailure.NetworkNotFound), result);
        Assert.Equal(3, _system.CallLines.Count(l => l == "iw dev wlan0 scan"));
        Assert.DoesNotContain(_system.CallLines, l => l.StartsWith("wpa_supplicant", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_completed_state_in_time_is_a_timeout()
    {
        var result = await _radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(WifiFailure.Timeout), result);
        Assert.True(_system.WpaStatusPolls > 3);
        Assert.Empty(_system.Running);
    }

    [Fact]
    public async Task Completed_without_an_address_is_no_ip_address()
    {
        _system.WpaStates.Add("COMPLETED");
        _system.DhcpIp = null;

        var result = await _radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(WifiFailure.NoIpAddress), result);
    }

    [Theory]
    [InlineData("Home", "short", WifiFailure.WrongPassword)]
    [InlineData("Campus", "correct horse", WifiFailure.UnsupportedSecurity)]
    [InlineData("this ssid is far too long for any network", "correct horse", WifiFailure.NetworkNotFound)]
    public async Task Joins_that_cannot_start_fail_without_wpa_supplicant(string ssid, string password, WifiFailure failure)
    {
        var result = await _radio.JoinAsync(ssid, password, TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(failure), result);
        Assert.DoesNotContain(_system.CallLines, l => l.StartsWith("wpa_supplicant", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_open_network_joins_without_a_password()
    {
        _system.WpaStates.Add("COMPLETED");

        var result = await _radio.JoinAsync("Cafe", string.Empty, TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.True(result.Joined);
        Assert.Contains("\tkey_mgmt=NONE\n", await File.ReadAllTextAsync(_options.ResolvedStationConfigPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_failure_during_a_join_is_a_radio_error()
    {
        _system.On("wpa_supplicant", "-B", _ => CommandResult.Fail(255, "Failed to initialize driver interface"));

        var result = await _radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(WifiFailure.RadioError), result);
    }

    [Fact]
    public async Task A_station_file_that_cannot_be_written_is_a_radio_error()
    {
        _system.WpaStates.Add("COMPLETED");
        Directory.CreateDirectory(_options.ResolvedStationConfigPath);

        var result = await _radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(WifiFailure.RadioError), result);
        Assert.Empty(_system.Running);
    }

    [Fact]
    public async Task Station_status_resumes_the_saved_network_once_and_reports_it()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_options.ResolvedStationConfigPath)!);
        await File.WriteAllTextAsync(_options.ResolvedStationConfigPath, StationConfig.RenderWpaSupplicant("Home", "correct horse", WifiSecurity.Wpa2Psk, "US", RunFile("wpa_supplicant")));
        _system.WpaStates[0] = "COMPLETED";
        _system.Ip = "192.168.1.20";

        var status = await _radio.GetStationStatusAsync(CancellationToken.None);
        await _radio.GetStationStatusAsync(CancellationToken.None);

        Assert.Equal(new StationStatus(true, "Home", "192.168.1.20", -52), status);
        Assert.Single(_system.CallLines, l => l == $"wpa_supplicant -B -i wlan0 -D nl80211 -c {_options.ResolvedStationConfigPath} -P {RunFile("wpa_supplicant.pid")} -f {RunFile("wpa_supplicant.log")}");
        Assert.Contains($"dhclient -4 -nw -pf {RunFile("dhclient.pid")} -lf {RunFile("dhclient.leases")} wlan0", _system.CallLines);
    }

    [Fact]
    public async Task Station_status_while_the_ap_is_up_is_disconnected()
    {
        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);

        Assert.Equal(new StationStatus(false, null, null, null), await _radio.GetStationStatusAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Forget_stops_the_station_and_deletes_the_saved_network()
    {
        _system.WpaStates.Add("COMPLETED");
        await _radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(20), CancellationToken.None);

        await _radio.ForgetAsync(CancellationToken.None);

        Assert.Empty(_system.Running);
        Assert.False(File.Exists(_options.ResolvedStationConfigPath));
    }

    [Fact]
    public async Task Hand_over_without_nmcli_still_writes_the_drop_in()
    {
        _system.On("nmcli", "device", _ => throw new WifiException("nmcli is not installed"));

        await _radio.HandOverAsync(CancellationToken.None);

        Assert.Equal(AtomicFile.PublicMode, File.GetUnixFileMode(_options.NetworkManagerConfPath));
        Assert.Equal(NetworkManagerHandOver.Render("wlan0"), await File.ReadAllTextAsync(_options.NetworkManagerConfPath));
    }
}
