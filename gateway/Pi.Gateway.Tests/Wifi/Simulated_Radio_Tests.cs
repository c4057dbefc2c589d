using System.Text;
using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Simulated;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

public sealed class Simulated_Radio_Tests
{
    private const string World = """
        {
          // the simulated radio's world, as in docs/wifi.md
          "macAddress": "02:00:00:aa:bb:cc",
          "joinDelay": "00:00:02",
          "networks": [
            { "ssid": "Home", "password": "correct horse", "signal": -45, "ip": "192.168.1.20" },
            { "ssid": "Home", "password": "correct horse", "signal": -80 },
            { "ssid": "Cafe", "signal": -60 },
            { "ssid": "Slow", "password": "12345678", "joinDelay": "00:01:00" },
            { "ssid": "NoDhcp", "password": "12345678", "ip": null },
            { "ssid": "Office", "password": "12345678", "security": "enterprise" },
            { "ssid": "Broken", "password": "12345678", "failure": "radio_error" },
            { "ssid": "Wpa3", "password": "12345678", "security": "wpa3-sae", "signal": -70 },
          ],
        }
        """;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private SimulatedWifiRadio Radio() => new(SimulatedWifiOptions.Parse(new MemoryStream(Encoding.UTF8.GetBytes(World))), _time);

    private async Task<JoinResult> JoinAsync(SimulatedWifiRadio radio, string ssid, string password, TimeSpan timeout)
    {
        var join = radio.JoinAsync(ssid, password, timeout, CancellationToken.None);
        // Time moves only when the test says so: past the delay (or the timeout) in steps.
        for (var i = 0; i < 200 && !join.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }
        return await join;
    }

    [Fact]
    public async Task Scan_lists_the_world_strongest_first_without_duplicates()
    {
        var radio = Radio();

        var list = await radio.ScanAsync(CancellationToken.None);

        Assert.Equal("020000AABBCC", radio.MacAddress.ToString());
        Assert.Equal(new SsidEntry("Home", -45, WifiSecurity.Wpa2Psk), list[0]);
        Assert.Single(list, e => e.Ssid == "Home");
        Assert.Equal(WifiSecurity.Open, list.Single(e => e.Ssid == "Cafe").Security);
        Assert.Equal(WifiSecurity.Wpa3Sae, list.Single(e => e.Ssid == "Wpa3").Security);
        new SsidList(list).Validate();
    }

    [Fact]
    public async Task Scanning_is_refused_while_the_ap_is_up_and_logged()
    {
        var radio = Radio();
        await radio.StartAccessPointAsync(new AccessPointSettings("pi_gateway_1"), CancellationToken.None);
        await radio.StartAccessPointAsync(new AccessPointSettings("pi_gateway_1"), CancellationToken.None);

        await Assert.ThrowsAsync<WifiException>(() => radio.ScanAsync(CancellationToken.None));
        await radio.StopAccessPointAsync(CancellationToken.None);
        await radio.StopAccessPointAsync(CancellationToken.None);
        await radio.ScanAsync(CancellationToken.None);

        Assert.Equal(
            [SimulatedWifiEventKind.AccessPointStarted, SimulatedWifiEventKind.ScanRefused, SimulatedWifiEventKind.AccessPointStopped, SimulatedWifiEventKind.Scanned],
            radio.Events.Select(e => e.Kind));
    }

    [Fact]
    public async Task A_join_takes_the_configured_time_stops_the_ap_and_connects()
    {
        var radio = Radio();
        await radio.StartAccessPointAsync(new AccessPointSettings("pi_gateway_1"), CancellationToken.None);
        var start = _time.GetUtcNow();

        var result = await JoinAsync(radio, "Home", "correct horse", TimeSpan.FromSeconds(30));

        Assert.Equal(JoinResult.Success("192.168.1.20"), result);
        Assert.Equal(TimeSpan.FromSeconds(2), _time.GetUtcNow() - start);
        Assert.Null(radio.AccessPoint);
        Assert.Equal(new StationStatus(true, "Home", "192.168.1.20", -45), await radio.GetStationStatusAsync(CancellationToken.None));
        Assert.DoesNotContain(radio.Events, e => e.Detail?.Contains("correct horse", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("Home", "wrong password", WifiFailure.WrongPassword)]
    [InlineData("Nowhere", "whatever", WifiFailure.NetworkNotFound)]
    [InlineData("Slow", "12345678", WifiFailure.Timeout)]
    [InlineData("NoDhcp", "12345678", WifiFailure.NoIpAddress)]
    [InlineData("Office", "12345678", WifiFailure.UnsupportedSecurity)]
    [InlineData("Broken", "12345678", WifiFailure.RadioError)]
    public async Task Join_outcomes(string ssid, string password, WifiFailure failure)
    {
        var radio = Radio();

        var result = await JoinAsync(radio, ssid, password, TimeSpan.FromSeconds(30));

        Assert.Equal(JoinResult.Failed(failure), result);
        Assert.Equal(new SimulatedWifiEvent(_time.GetUtcNow(), SimulatedWifiEventKind.JoinFailed, failure.ToString()), radio.Events[^1]);
        Assert.False((await radio.GetStationStatusAsync(CancellationToken.None)).Connected);
    }

    [Fact]
    public async Task A_timeout_waits_exactly_the_timeout()
    {
        var radio = Radio();
        var start = _time.GetUtcNow();

        await JoinAsync(radio, "Slow", "12345678", TimeSpan.FromSeconds(10));

        Assert.Equal(TimeSpan.FromSeconds(10), _time.GetUtcNow() - start);
    }

    [Fact]
    public async Task Forget_disconnects()
    {
        var radio = Radio();
        await JoinAsync(radio, "Cafe", string.Empty, TimeSpan.FromSeconds(30));

        await radio.ForgetAsync(CancellationToken.None);

        Assert.False((await radio.GetStationStatusAsync(CancellationToken.None)).Connected);
        Assert.Equal(SimulatedWifiEventKind.Forgot, radio.Events[^1].Kind);
    }

    [Fact]
    public async Task The_ap_settings_are_checked_like_the_real_radios()
    {
        var radio = Radio();

        await Assert.ThrowsAsync<Pi.Gateway.Wifi.Config.InvalidWifiSettingException>(() =>
            radio.StartAccessPointAsync(new AccessPointSettings("x", DhcpRangeStart: "10.0.0.1"), CancellationToken.None));
    }

    [Theory]
    [InlineData("{ \"networks\": [ { \"ssid\": \"\" } ] }")]
    [InlineData("{ \"macAddress\": \"nope\" }")]
    [InlineData("{ \"networks\": [ { \"ssid\": \"a\", \"security\": \"wpa9\" } ] }")]
    [InlineData("{ \"unknown\": 1 }")]
    [InlineData("[]")]
    [InlineData("not json")]
    [InlineData("{ \"networks\": [ null ] }")]
    public void A_bad_world_file_is_refused(string json) =>
        Assert.Throws<InvalidOperationException>(() => SimulatedWifiOptions.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json))));

    [Fact]
    public void The_world_round_trips_through_json()
    {
        var world = SimulatedWifiOptions.Parse(new MemoryStream(Encoding.UTF8.GetBytes(World)));

        var again = SimulatedWifiOptions.Parse(new MemoryStream(Encoding.UTF8.GetBytes(world.ToJson())));

        Assert.Equal(world.Networks.Select(n => (n.Ssid, n.Password, n.Signal, n.EffectiveSecurity, n.Ip, n.JoinDelay, n.Failure)),
            again.Networks.Select(n => (n.Ssid, n.Password, n.Signal, n.EffectiveSecurity, n.Ip, n.JoinDelay, n.Failure)));
        Assert.Contains("\"security\": \"enterprise\"", world.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_station_file_a_new_radio_is_back_on_the_router_the_old_one_joined_until_it_is_forgotten()
    {
        // Found by the HIL rig (hil-tests): a restarted simulated gateway forgot its router and fell
        // back to the softAP while registered, which a real radio (wpa_supplicant's saved network) does not.
        var file = Path.Combine(Directory.CreateTempSubdirectory("pi-sim-station-").FullName, "station");
        SimulatedWifiRadio WithFile()
        {
            var world = SimulatedWifiOptions.Parse(new MemoryStream(Encoding.UTF8.GetBytes(World)));
            world.StationFile = file;
            return new SimulatedWifiRadio(world, _time);
        }
        try
        {
            Assert.True((await JoinAsync(WithFile(), "Home", "correct horse", TimeSpan.FromSeconds(30))).Joined);
            Assert.True(File.Exists(file));
            Assert.DoesNotContain("correct horse", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

            var restarted = WithFile();
            var status = await restarted.GetStationStatusAsync(CancellationToken.None);
            Assert.True(status.Connected);
            Assert.Equal(("Home", "192.168.1.20"), (status.Ssid, status.Ip));

            await restarted.ForgetAsync(CancellationToken.None);
            Assert.False(File.Exists(file));
            Assert.False((await WithFile().GetStationStatusAsync(CancellationToken.None)).Connected);
            // Without a file nothing is kept.
            Assert.False((await Radio().GetStationStatusAsync(CancellationToken.None)).Connected);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
