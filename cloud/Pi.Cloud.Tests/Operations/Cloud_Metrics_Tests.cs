using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Pi.Cloud.Operations;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Tests.Operations;

public sealed class Cloud_Metrics_Tests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().AddSingleton<CloudMetrics>().BuildServiceProvider();
    private readonly CloudMetrics _metrics;
    private readonly MeterRecorder _recorder;

    public Cloud_Metrics_Tests()
    {
        _metrics = _services.GetRequiredService<CloudMetrics>();
        _recorder = new MeterRecorder(_metrics.Meter);
    }

    public void Dispose()
    {
        _recorder.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Creates_the_pi_cloud_meter_through_the_meter_factory()
    {
        Assert.Equal("Pi.Cloud", _metrics.Meter.Name);
        Assert.Same(_services.GetRequiredService<IMeterFactory>(), _metrics.Meter.Scope);
    }

    [Fact]
    public void Publishes_counters_and_an_observable_up_down_counter_with_units()
    {
        var instruments = _recorder.Instruments.ToDictionary(i => i.Name);

        Assert.Equal(
            ["pi.cloud.commands", "pi.cloud.logins", "pi.cloud.packets.in", "pi.cloud.packets.out", "pi.cloud.refusals",
             "pi.cloud.relay.dropped", "pi.cloud.relay.items", "pi.cloud.relays", "pi.cloud.sessions.online"],
            instruments.Keys.Order(StringComparer.Ordinal));
        Assert.All(instruments.Values.Where(i => i.Name != CloudMetrics.SessionsOnlineName), i => Assert.IsType<Counter<long>>(i));
        Assert.IsType<ObservableUpDownCounter<long>>(instruments[CloudMetrics.SessionsOnlineName]);
        Assert.Equal("{packet}", instruments[CloudMetrics.PacketsInName].Unit);
        Assert.All(instruments.Values, i => Assert.False(string.IsNullOrEmpty(i.Description)));
    }

    [Fact]
    public void Counts_packets_in_and_out_without_tags()
    {
        _metrics.PacketIn();
        _metrics.PacketIn();
        _metrics.PacketOut();

        Assert.Equal(
            [(CloudMetrics.PacketsInName, 1L, 0), (CloudMetrics.PacketsInName, 1L, 0), (CloudMetrics.PacketsOutName, 1L, 0)],
            _recorder.Measurements.Select(m => (m.Instrument, m.Value, m.Tags.Count)));
    }

    [Fact]
    public void Tags_refusals_with_reason_and_source()
    {
        _metrics.Refused("replayed", CloudMetrics.SourceMqtt);
        _metrics.Refused(ProtocolErrorCode.BadCredentials, CloudMetrics.SourceHttp);

        var refusals = _recorder.Measurements.Where(m => m.Instrument == CloudMetrics.RefusalsName).ToList();
        Assert.Equal(2, refusals.Count);
        Assert.Equal(new Dictionary<string, string?> { ["reason"] = "replayed", ["source"] = "mqtt" }, refusals[0].Tags);
        Assert.Equal(new Dictionary<string, string?> { ["reason"] = "bad_credentials", ["source"] = "http" }, refusals[1].Tags);
    }

    [Fact]
    public void Counts_relays_their_items_by_outcome_and_dropped_packets()
    {
        _metrics.Relay();
        _metrics.RelayItems(CloudMetrics.RelayHandled, 5);
        _metrics.RelayItems(CloudMetrics.RelayDuplicate, 0);
        _metrics.RelayItems(CloudMetrics.RelayForeignDid, 2);
        _metrics.RelayDropped(0);
        _metrics.RelayDropped(3);

        Assert.Equal(1, Assert.Single(_recorder.Measurements, m => m.Instrument == CloudMetrics.RelaysName).Value);
        Assert.Equal(
            [("handled", 5L), ("foreign_did", 2L)],
            _recorder.Measurements.Where(m => m.Instrument == CloudMetrics.RelayItemsName).Select(m => (m.Tags["outcome"], m.Value)));
        Assert.Equal(3, Assert.Single(_recorder.Measurements, m => m.Instrument == CloudMetrics.RelayDroppedName).Value);
    }

    [Fact]
    public void Tags_logins_and_commands_with_their_outcome()
    {
        _metrics.Login("ok");
        _metrics.Command("timeout");

        var login = Assert.Single(_recorder.Measurements, m => m.Instrument == CloudMetrics.LoginsName);
        var command = Assert.Single(_recorder.Measurements, m => m.Instrument == CloudMetrics.CommandsName);
        Assert.Equal("ok", login.Tags["outcome"]);
        Assert.Equal("timeout", command.Tags["outcome"]);
    }

    [Fact]
    public void Reports_no_online_sessions_until_the_host_says_how_to_count_them()
    {
        _recorder.Observe();

        Assert.DoesNotContain(_recorder.Measurements, m => m.Instrument == CloudMetrics.SessionsOnlineName);
    }

    [Fact]
    public void Reads_online_sessions_from_the_callback_at_each_collection()
    {
        long online = 3;
        _metrics.SessionsOnline = () => online;

        _recorder.Observe();
        online = 5;
        _recorder.Observe();

        Assert.Equal([3L, 5L], _recorder.Measurements.Where(m => m.Instrument == CloudMetrics.SessionsOnlineName).Select(m => m.Value));
    }
}
