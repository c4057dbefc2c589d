using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.NetworkManager;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

public sealed class NetworkManager_Radio_Tests : IDisposable
{
    private const string WifiList = "Home:92:WPA2\nHome:40:WPA2\nCafe:70:\nCampus:60:WPA2 802.1X\nNew\\:Net:50:WPA3\n\n";

    private static readonly AccessPointSettings Ap = new("pi_gateway_A1B2C3");

    private readonly TempDirectory _dir = new();
    private readonly FakeSystem _system = new();
    private readonly WifiOptions _options;
    private readonly NetworkManagerWifiRadio _radio;
    private bool _connected;

    public NetworkManager_Radio_Tests()
    {
        _options = FakeSystem.Options(_dir.Path);
        _options.Driver = WifiDriver.NetworkManager;
        _radio = new NetworkManagerWifiRadio(_options, _system, _system.Time);
        _system.On("nmcli", "device wifi list", _ => CommandResult.Ok(WifiList));
        _system.On("nmcli", "device show", _ => CommandResult.Ok(_connected
            ? "GENERAL.STATE:100 (connected)\nGENERAL.CONNECTION:pi-gateway-station-candidate\nIP4.ADDRESS[1]:192.168.1.20/24\n"
            : "GENERAL.STATE:30 (disconnected)\nGENERAL.CONNECTION:\n"));
        _system.On("nmcli", "device wifi connect", _ =>
        {
            _connected = true;
            return CommandResult.Ok("Device 'wlan0' successfully activated with 'x'.\n");
        });
        _system.On("nmcli", "connection delete", _ => CommandResult.Fail(10, "Error: unknown connection 'pi-gateway-ap'."));
    }

    public void Dispose()
    {
        _radio.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Scan_uses_terse_nmcli_with_a_rescan()
    {
        var list = await _radio.ScanAsync(CancellationToken.None);

        Assert.Equal(
            [
                new SsidEntry("Home", -45, WifiSecurity.Wpa2Psk),
                new SsidEntry("Cafe", -58, WifiSecurity.Open),
                new SsidEntry("Campus", -64, WifiSecurity.Enterprise),
                new SsidEntry("New:Net", -70, WifiSecurity.Wpa3Sae),
            ],
            list);
        var call = Assert.Single(_system.Calls);
        Assert.Equal("nmcli -t -f SSID,SIGNAL,SECURITY device wifi list ifname wlan0 --rescan yes", call.ToString());
        Assert.Equal("C", call.Environment!["LC_ALL"]);
    }

    [Fact]
    public async Task A_refused_rescan_falls_back_to_the_cached_list()
    {
        _system.On("nmcli", "--rescan yes", _ => CommandResult.Fail(1, "Error: Scanning not allowed while unavailable."));

        Assert.Equal(4, (await _radio.ScanAsync(CancellationToken.None)).Count);
        Assert.Contains(_system.CallLines, l => l.EndsWith("--rescan no", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_ap_is_a_shared_hotspot_connection_deleted_on_stop()
    {
        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);
        await Assert.ThrowsAsync<WifiException>(() => _radio.ScanAsync(CancellationToken.None));
        _system.On("nmcli", "connection delete", _ => CommandResult.Ok());
        await _radio.StopAccessPointAsync(CancellationToken.None);

        Assert.Equal(
            [
                "nmcli connection delete id pi-gateway-ap",
                "iw reg set US",
                "nmcli connection add type wifi ifname wlan0 con-name pi-gateway-ap autoconnect no ssid pi_gateway_A1B2C3 802-11-wireless.mode ap 802-11-wireless.band bg 802-11-wireless.channel 6 ipv4.method shared ipv4.addresses 192.168.4.1/24 ipv6.method disabled",
                "nmcli --wait 5 connection up id pi-gateway-ap",
                "nmcli connection delete id pi-gateway-ap",
            ],
            _system.CallLines);
    }

    [Fact]
    public async Task Starting_the_active_ap_again_does_nothing()
    {
        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);
        _system.On("nmcli", "connection show --active", _ => CommandResult.Ok("Wired connection 1\npi-gateway-ap\n"));

        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);

        Assert.Single(_system.CallLines, l => l.StartsWith("nmcli connection add", StringComparison.Ordinal));
        Assert.Equal("nmcli -t -f NAME connection show --active", _system.CallLines.Last());
    }

    [Fact]
    public async Task A_wpa2_ap_gets_its_secret_from_a_passwd_file_that_is_deleted()
    {
        _options.AccessPointPassphrase = "provision-me";
        string? secrets = null;
        _system.On("nmcli", "connection up", c =>
        {
            secrets = File.ReadAllText(c.Arguments[^1]);
            return CommandResult.Ok();
        });

        await _radio.StartAccessPointAsync(Ap, CancellationToken.None);

        Assert.Matches("^802-11-wireless-security.psk:[0-9a-f]{64}\n$", secrets);
        Assert.False(File.Exists(Path.Combine(_options.RuntimeDirectory, "ap-secrets")));
        Assert.Contains(_system.CallLines, l => l.Contains("802-11-wireless-security.key-mgmt wpa-psk", StringComparison.Ordinal));
        Assert.DoesNotContain(_system.CallLines, l => l.Contains("provision-me", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_ap_that_does_not_come_up_is_deleted_and_reported()
    {
        _system.On("nmcli", "connection up", _ => CommandResult.Fail(4, "Error: Connection activation failed: No suitable device found."));

        await Assert.ThrowsAsync<WifiException>(() => _radio.StartAccessPointAsync(Ap, CancellationToken.None));

        Assert.Equal("nmcli connection delete id pi-gateway-ap", _system.CallLines.Last());
    }

    [Fact]
    public async Task Joining_passes_the_password_on_stdin_and_saves_the_connection()
    {
        var result = await _radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(JoinResult.Success("192.168.1.20"), result);
        var connect = Assert.Single(_system.Calls, c => c.Arguments.Contains("connect"));
        // 30 s less the scan and the clean-up before it (each scripted command costs 0.5 s).
        Assert.Equal("nmcli --ask --wait 29 device wifi connect Home ifname wlan0 name pi-gateway-station-candidate", connect.ToString());
        Assert.Equal("correct horse\n", connect.StandardInput);
        Assert.DoesNotContain(_system.CallLines, l => l.Contains("correct horse", StringComparison.Ordinal));
        Assert.Equal("nmcli connection modify id pi-gateway-station-candidate connection.id pi-gateway-station connection.autoconnect yes", _system.CallLines.Last());
    }

    [Theory]
    [InlineData("Error: Connection activation failed: Secrets were required, but not provided.", 4, WifiFailure.WrongPassword)]
    [InlineData("Error: No network with SSID 'Home' found.", 10, WifiFailure.NetworkNotFound)]
    [InlineData("Error: Connection activation failed: IP configuration could not be reserved (no available address, timeout, etc.).", 4, WifiFailure.NoIpAddress)]
    [InlineData("Error: Timeout expired (30 seconds)", 3, WifiFailure.Timeout)]
    [InlineData("Error: Connection activation failed: The Wi-Fi network could not be found", 4, WifiFailure.NetworkNotFound)]
    [InlineData("Error: Failed to add/activate new connection: Not authorized", 1, WifiFailure.RadioError)]
    public async Task Nmcli_errors_map_to_join_failures(string error, int exitCode, WifiFailure failure)
    {
        _system.On("nmcli", "device wifi connect", _ => CommandResult.Fail(exitCode, error));

        var result = await _radio.JoinAsync("Home", "correct horse", TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(failure), result);
        Assert.Equal("nmcli connection delete id pi-gateway-station-candidate", _system.CallLines.Last());
    }

    [Fact]
    public void A_killed_nmcli_is_a_timeout() =>
        Assert.Equal(WifiFailure.Timeout, NmcliErrors.ToJoinFailure(new CommandResult(-1, string.Empty, string.Empty, TimedOut: true)));

    [Theory]
    [InlineData("Nowhere", "correct horse", WifiFailure.NetworkNotFound)]
    [InlineData("Campus", "correct horse", WifiFailure.UnsupportedSecurity)]
    [InlineData("Home", "short", WifiFailure.WrongPassword)]
    public async Task Joins_that_cannot_start_never_run_connect(string ssid, string password, WifiFailure failure)
    {
        var result = await _radio.JoinAsync(ssid, password, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(JoinResult.Failed(failure), result);
        Assert.DoesNotContain(_system.Calls, c => c.Arguments.Contains("connect"));
    }

    [Fact]
    public async Task An_open_network_gets_no_password()
    {
        var result = await _radio.JoinAsync("Cafe", string.Empty, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.True(result.Joined);
        Assert.Equal(string.Empty, Assert.Single(_system.Calls, c => c.Arguments.Contains("connect")).StandardInput);
    }

    [Fact]
    public async Task Station_status_reads_the_device_and_the_active_network()
    {
        _connected = true;
        _system.On("nmcli", "ACTIVE,SSID,SIGNAL", _ => CommandResult.Ok("no:Cafe:70\nyes:Home:80\n"));

        var status = await _radio.GetStationStatusAsync(CancellationToken.None);

        Assert.Equal(new StationStatus(true, "Home", "192.168.1.20", -52), status);
    }

    [Fact]
    public async Task Forget_deletes_the_station_connections()
    {
        await _radio.ForgetAsync(CancellationToken.None);

        Assert.Equal(["nmcli connection delete id pi-gateway-station", "nmcli connection delete id pi-gateway-station-candidate"], _system.CallLines);
    }
}
