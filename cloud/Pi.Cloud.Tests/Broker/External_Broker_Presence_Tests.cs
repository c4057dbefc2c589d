namespace Pi.Cloud.Tests.Broker;

/// <summary>A gateway's retained availability (and its last will) reaches OnPresenceAsync.</summary>
public sealed class External_Broker_Presence_Tests(MosquittoServer server) : IClassFixture<MosquittoServer>
{
    [Fact]
    public async Task Online_and_offline_reach_the_session_channel()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);

        await gateway.PublishAvailabilityAsync(online: true);
        Assert.Equal(new PresenceRecord(gateway.Tid, true), await traffic.NextPresenceAsync());

        await gateway.PublishAvailabilityAsync(online: false);
        Assert.Equal(new PresenceRecord(gateway.Tid, false), await traffic.NextPresenceAsync());
    }

    [Fact]
    public async Task An_abrupt_disconnect_is_reported_offline_through_the_last_will()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        var gateway = await worker.AdmitAndConnectAsync(server);
        await gateway.PublishAvailabilityAsync(online: true);
        Assert.Equal(new PresenceRecord(gateway.Tid, true), await traffic.NextPresenceAsync());

        gateway.Drop();

        Assert.Equal(new PresenceRecord(gateway.Tid, false), await traffic.NextPresenceAsync("the will to report the dropped gateway offline"));
        await Waits.UntilAsync(() => worker.IsKnownOffline(gateway.Tid), "the worker to treat the dropped gateway as offline");
    }

    [Fact]
    public async Task Evict_reports_the_gateway_offline_although_mosquitto_drops_the_will()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);
        await gateway.PublishAvailabilityAsync(online: true);
        Assert.Equal(new PresenceRecord(gateway.Tid, true), await traffic.NextPresenceAsync());

        await worker.EvictAsync(gateway.Tid, CancellationToken.None).Within("evict");

        Assert.Equal(new PresenceRecord(gateway.Tid, false), await traffic.NextPresenceAsync("offline after the evict"));
    }

    [Fact]
    public async Task Retained_availability_is_not_replayed_to_the_session_channel_when_a_worker_subscribes()
    {
        var earlier = new RecordingGatewayTraffic();
        string retainedTid;
        await using (var first = await TestCloud.StartWorkerAsync(server, earlier))
        {
            await using var gateway = await first.AdmitAndConnectAsync(server);
            await gateway.PublishAvailabilityAsync(online: false);
            Assert.Equal(new PresenceRecord(gateway.Tid, false), await earlier.NextPresenceAsync());
            retainedTid = gateway.Tid;
        }

        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await Waits.UntilAsync(() => worker.IsKnownOffline(retainedTid), "the watch to pick up the retained offline");
        await using var marker = await worker.AdmitAndConnectAsync(server);
        await marker.PublishAvailabilityAsync(online: true);

        // The retained "offline" taught the worker's watch, but the session channel only hears news.
        Assert.Equal(new PresenceRecord(marker.Tid, true), await traffic.NextPresenceAsync());
    }

    [Fact]
    public async Task Other_payloads_on_availability_are_ignored_and_counted()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);
        var before = worker.IgnoredMessages;

        await gateway.PublishAsync(Pi.Protocol.Topics.Topics.GatewayAvailability(gateway.Tid), "maybe");
        await gateway.PublishAvailabilityAsync(online: true);

        Assert.Equal(new PresenceRecord(gateway.Tid, true), await traffic.NextPresenceAsync());
        // Both deliveries of "maybe" (shared and watch) were ignored before "online" arrived.
        Assert.True(worker.IgnoredMessages - before >= 1, $"ignored {worker.IgnoredMessages - before}");
    }
}
