using MQTTnet;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Tests.Broker;

/// <summary>
/// The per-gateway role lets a gateway publish only to its own up and availability topics and
/// subscribe only to its own down topic; the broker's default ACL denies the rest. Mosquitto 2.0
/// answers a denied QoS 1 publish of an MQTT 5 client with PUBACK 0x87 and a denied subscription
/// with SUBACK 0x87, and keeps the connection open.
/// </summary>
public sealed class External_Broker_Acl_Tests(MosquittoServer server) : IClassFixture<MosquittoServer>
{
    [Fact]
    public async Task Publishing_to_another_gateways_up_topic_is_refused_and_never_reaches_the_session_channel()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var mallory = await worker.AdmitAndConnectAsync(server);
        await using var victim = await worker.AdmitAndConnectAsync(server);

        var forged = await mallory.PublishAsync(Topics.GatewayUp(victim.Tid), "forged");
        var marker = await mallory.PublishUpAsync("marker");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, marker.ReasonCode);
        // The broker keeps one publisher's messages in order: had the forged one got through, it
        // would arrive before the marker.
        var first = await traffic.NextUpAsync();
        Assert.Equal((mallory.Tid, "marker"), (first.Tid, first.Text));
        Assert.True(mallory.IsConnected);
    }

    [Fact]
    public async Task A_gateway_may_not_publish_to_down_topics_availability_of_others_or_the_control_topic()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);
        var other = Waits.NewTid();

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await gateway.PublishAsync(Topics.GatewayDown(gateway.Tid), "x")).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await gateway.PublishAsync(Topics.GatewayAvailability(other), "offline", retain: true)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await gateway.PublishAsync("$CONTROL/dynamic-security/v1", """{"commands":[{"command":"listClients"}]}""")).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await gateway.PublishAsync("pi/v2/anything", "x")).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await gateway.PublishUpAsync("marker")).ReasonCode);

        var first = await traffic.NextUpAsync();
        Assert.Equal("marker", first.Text);
        Assert.Equal(0, traffic.PresenceCount);
    }

    [Fact]
    public async Task Subscribing_to_another_gateways_down_topic_or_a_wildcard_is_refused_and_its_own_is_granted()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);
        await using var victim = await worker.AdmitAndConnectAsync(server);

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await gateway.SubscribeAsync(Topics.GatewayDown(victim.Tid)));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await gateway.SubscribeAsync("pi/v2/gw/+/down"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await gateway.SubscribeAsync(Topics.AllGatewaysUp));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await gateway.SubscribeAsync("#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await gateway.SubscribeAsync(Topics.SharedGatewaysUp));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await gateway.SubscribeAsync(Topics.GatewayDown(gateway.Tid)));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await victim.SubscribeAsync(Topics.GatewayDown(victim.Tid)));

        Assert.True(await worker.SendDownAsync(victim.Tid, "for the victim"u8.ToArray(), CancellationToken.None).Within("a command to the victim"));
        Assert.True(await worker.SendDownAsync(gateway.Tid, "for the gateway"u8.ToArray(), CancellationToken.None).Within("a command"));
        // Had a refused subscription taken effect, the victim's command would come first.
        Assert.Equal((Topics.GatewayDown(gateway.Tid), "for the gateway"), await gateway.NextReceivedAsync("the gateway's own command"));
        Assert.Equal((Topics.GatewayDown(victim.Tid), "for the victim"), await victim.NextReceivedAsync("the victim's command"));
    }
}
