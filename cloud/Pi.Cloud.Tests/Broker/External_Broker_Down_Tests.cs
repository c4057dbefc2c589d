using Pi.Cloud.Broker;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Tests.Broker;

/// <summary>SendDownAsync: one QoS 1 publish to pi/v2/gw/{tid}/down, false when it cannot reach the gateway.</summary>
public sealed class External_Broker_Down_Tests(MosquittoServer server) : IClassFixture<MosquittoServer>
{
    [Fact]
    public async Task A_command_reaches_the_gateway_subscribed_to_its_down_topic()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);
        Assert.Equal(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await gateway.SubscribeAsync(Topics.GatewayDown(gateway.Tid)));

        var sent = await worker.SendDownAsync(gateway.Tid, "sealed-command"u8.ToArray(), CancellationToken.None).Within("SendDownAsync");

        Assert.True(sent);
        Assert.Equal((Topics.GatewayDown(gateway.Tid), "sealed-command"), await gateway.NextReceivedAsync("the command at the gateway"));
    }

    [Fact]
    public async Task It_is_false_when_nobody_is_subscribed_to_the_down_topic()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);

        // Mosquitto answers with PUBACK 0x10 (no matching subscribers).
        var sent = await worker.SendDownAsync(Waits.NewTid(), "x"u8.ToArray(), CancellationToken.None).Within("SendDownAsync");

        Assert.False(sent);
    }

    [Fact]
    public async Task It_is_false_while_the_gateways_availability_says_offline()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);
        await gateway.SubscribeAsync(Topics.GatewayDown(gateway.Tid));
        await gateway.PublishAvailabilityAsync(online: false);

        await Waits.UntilAsync(() => worker.IsKnownOffline(gateway.Tid), "the worker to see the gateway's availability say offline");

        Assert.False(await worker.SendDownAsync(gateway.Tid, "while offline"u8.ToArray(), CancellationToken.None).Within("SendDownAsync"));

        await gateway.PublishAvailabilityAsync(online: true);
        await Waits.UntilAsync(() => !worker.IsKnownOffline(gateway.Tid), "the worker to see the gateway's availability say online");
        Assert.True(await worker.SendDownAsync(gateway.Tid, "again"u8.ToArray(), CancellationToken.None).Within("SendDownAsync"));
        var received = await gateway.NextReceivedAsync("the command sent once the gateway was online again");
        Assert.Equal("again", received.Text);
    }

    [Fact]
    public async Task It_is_false_for_an_evicted_gateway()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);
        await gateway.SubscribeAsync(Topics.GatewayDown(gateway.Tid));

        await worker.EvictAsync(gateway.Tid, CancellationToken.None).Within("evict");

        Assert.False(await worker.SendDownAsync(gateway.Tid, "x"u8.ToArray(), CancellationToken.None).Within("SendDownAsync"));
    }

    [Fact]
    public async Task It_is_false_when_the_worker_is_not_connected_to_the_broker()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = TestCloud.CreateWorker(server.CloudOptions(o => o.Password = "wrong"), traffic);
        await worker.StartAsync(CancellationToken.None);

        Assert.False(worker.IsConnected);
        Assert.False(await worker.SendDownAsync(Waits.NewTid(), "x"u8.ToArray(), CancellationToken.None).Within("SendDownAsync"));
    }

    [Fact]
    public async Task A_tid_that_is_not_an_identifier_is_refused()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);

        await Assert.ThrowsAsync<Pi.Protocol.Errors.ProtocolException>(() => worker.SendDownAsync("+", "x"u8.ToArray(), CancellationToken.None).AsTask());
    }
}
