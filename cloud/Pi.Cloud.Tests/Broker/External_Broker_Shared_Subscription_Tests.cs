namespace Pi.Cloud.Tests.Broker;

/// <summary>Several cloud workers share the up traffic and presence: each message is handled by exactly one.</summary>
public sealed class External_Broker_Shared_Subscription_Tests(MosquittoServer server) : IClassFixture<MosquittoServer>
{
    private const int Packets = 40;

    [Fact]
    public async Task Two_workers_share_the_up_traffic_and_each_packet_is_handled_once()
    {
        var trafficA = new RecordingGatewayTraffic();
        var trafficB = new RecordingGatewayTraffic();
        await using var workerA = await TestCloud.StartWorkerAsync(server, trafficA);
        await using var workerB = await TestCloud.StartWorkerAsync(server, trafficB);
        await using var gateway = await workerA.AdmitAndConnectAsync(server);

        for (var i = 0; i < Packets; i++)
        {
            await gateway.PublishUpAsync($"packet-{i}");
        }
        await Waits.UntilAsync(() => trafficA.UpCount + trafficB.UpCount >= Packets, $"{Packets} packets to reach the two workers");
        var seenA = trafficA.DrainUps();
        var seenB = trafficB.DrainUps();
        // Markers until each worker has one: a duplicate of an earlier packet would have come before.
        var markers = 0;
        while (!(seenA.Any(u => u.Text.StartsWith("marker", StringComparison.Ordinal)) && seenB.Any(u => u.Text.StartsWith("marker", StringComparison.Ordinal))))
        {
            Assert.True(markers < 20, "20 markers did not reach both workers");
            await gateway.PublishUpAsync($"marker-{markers++}");
            await Waits.UntilAsync(() => trafficA.UpCount + trafficB.UpCount > 0, "a marker to arrive");
            seenA.AddRange(trafficA.DrainUps());
            seenB.AddRange(trafficB.DrainUps());
        }

        var packetsA = seenA.Where(u => u.Text.StartsWith("packet", StringComparison.Ordinal)).Select(u => u.Text).ToList();
        var packetsB = seenB.Where(u => u.Text.StartsWith("packet", StringComparison.Ordinal)).Select(u => u.Text).ToList();
        Assert.NotEmpty(packetsA);
        Assert.NotEmpty(packetsB);
        Assert.Empty(packetsA.Intersect(packetsB));
        Assert.Equal(Enumerable.Range(0, Packets).Select(i => $"packet-{i}").Order(), packetsA.Concat(packetsB).Order());
        Assert.All(seenA.Concat(seenB), u => Assert.Equal(gateway.Tid, u.Tid));
    }

    [Fact]
    public async Task A_presence_change_is_handled_by_one_worker_while_every_worker_learns_it()
    {
        var trafficA = new RecordingGatewayTraffic();
        var trafficB = new RecordingGatewayTraffic();
        await using var workerA = await TestCloud.StartWorkerAsync(server, trafficA);
        await using var workerB = await TestCloud.StartWorkerAsync(server, trafficB);
        await using var gateway = await workerA.AdmitAndConnectAsync(server);

        await gateway.PublishAvailabilityAsync(online: false);

        await Waits.UntilAsync(() => workerA.IsKnownOffline(gateway.Tid) && workerB.IsKnownOffline(gateway.Tid), "both workers to know the gateway is offline");
        await Waits.UntilAsync(() => trafficA.PresenceCount + trafficB.PresenceCount >= 1, "one worker to report the change");
        // Once both watches have seen the next change, every delivery of the first one is in.
        await gateway.PublishAvailabilityAsync(online: true);
        await Waits.UntilAsync(() => !workerA.IsKnownOffline(gateway.Tid) && !workerB.IsKnownOffline(gateway.Tid), "both workers to know the gateway is online");
        var reports = trafficA.DrainPresence().Concat(trafficB.DrainPresence()).ToList();
        Assert.Single(reports, r => r == new PresenceRecord(gateway.Tid, false));
    }
}
