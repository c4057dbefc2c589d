using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Pi.Cloud.Http;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Tests.Api;

public class Session_Channel_Tests
{
    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Wrong_credentials_and_client_ids_are_refused_at_connect(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        await using var gateway = new TestGateway(host, await user.RegisterAndBindAsync());
        await gateway.LoginAsync();

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await gateway.ConnectAsync(password: "not-the-session-token-at-all"));
        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, await gateway.ConnectAsync(clientId: "someone-else"));
        Assert.Equal(MqttClientConnectResultCode.Success, await gateway.ConnectAsync());
    }

    [Fact]
    public async Task The_embedded_broker_holds_at_most_its_configured_connections()
    {
        await using var host = await CloudHost.StartAsync("sqlite", new Dictionary<string, string?> { ["Cloud:Mqtt:MaxConnections"] = "1" });
        var user = await host.NewUserAsync();
        await using var a = new TestGateway(host, await user.RegisterAndBindAsync());
        await using var b = new TestGateway(host, await user.RegisterAndBindAsync());
        await a.LoginAsync();
        await b.LoginAsync();

        Assert.Equal(MqttClientConnectResultCode.Success, await a.ConnectAsync());
        Assert.Equal(MqttClientConnectResultCode.ServerBusy, await b.ConnectAsync());
        Assert.Equal(MqttClientConnectResultCode.Success, await a.ConnectAsync()); // its own reconnect is fine
        // The broker counts the connection out before it reports the gateway offline.
        var offline = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Service<Pi.Cloud.Sessions.GatewayPresence>().OnlineChanged += (tid, online) =>
        {
            if (tid == a.Tid && !online)
            {
                offline.TrySetResult();
            }
        };
        await a.DisconnectAsync();
        await offline.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, host.Service<Pi.Cloud.Broker.EmbeddedGatewayBroker>().ConnectionCount);
        Assert.Equal(MqttClientConnectResultCode.Success, await b.ConnectAsync());
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_gateway_touches_only_its_own_topics(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        await using var a = new TestGateway(host, await user.RegisterAndBindAsync());
        await using var b = new TestGateway(host, await user.RegisterAndBindAsync());
        await a.LoginAsync();
        await b.LoginAsync();
        await a.ConnectAsync();
        await b.ConnectAsync();
        using var metrics = new MetricsProbe(host);

        var foreignPublish = await a.PublishRawAsync(Topics.GatewayUp(b.Tid), a.Seal(new SessionRequest("x-1", "heartbeat")));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreignPublish.ReasonCode);
        var foreignDown = await a.PublishRawAsync(Topics.GatewayDown(b.Tid), [1, 2, 3]);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreignDown.ReasonCode);

        var subscribe = await a.Mqtt.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.GatewayDown(b.Tid)).WithTopicFilter("#").Build());
        Assert.All(subscribe.Items, item => Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, item.ResultCode));
        await metrics.WaitForAsync("foreign_publish", 2);
        await metrics.WaitForAsync("foreign_subscribe", 2);

        // b never saw anything, and both keep working
        await b.SendAsync(new SessionRequest("b-1", "heartbeat"));
        var (_, answer) = await b.NextAsync<SessionResponse>();
        Assert.Equal("b-1", answer.Txn);
        await a.SendAsync(new SessionRequest("a-1", "heartbeat"));
        Assert.Equal("a-1", (await a.NextAsync<SessionResponse>()).Message.Txn);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Heartbeat_state_and_unknown_commands_are_answered_sealed(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new TestGateway(host, registration);
        await gateway.LoginAsync();
        await gateway.ConnectAsync();

        await gateway.SendAsync(new SessionRequest("h-1", "heartbeat"));
        var (header, heartbeat) = await gateway.NextAsync<SessionResponse>();
        Assert.True(heartbeat.Ok);
        Assert.Equal(gateway.Session!.SessionKeyId, header.KeyId);
        Assert.True(heartbeat.Result!.Value.TryGetProperty("now", out _));

        await gateway.SendAsync(new SessionRequest("s-1", "state", Args: JsonDocument.Parse("{\"rssi\":-51,\"firmware\":\"1.2.3\"}").RootElement));
        Assert.True((await gateway.NextAsync<SessionResponse>()).Message.Ok);

        await gateway.SendAsync(new SessionRequest("u-1", "fly-to-the-moon"));
        var (_, unknown) = await gateway.NextAsync<SessionResponse>();
        Assert.False(unknown.Ok);
        Assert.Equal(ProtocolErrorCode.UnknownCommand, unknown.Error!.Code);

        var view = Assert.Single((await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<List<GatewayView>>(user.Client, "/api/gateways"))!);
        Assert.True(view.Online);
        Assert.NotNull(view.LastSeenAt);
        Assert.Equal(-51, view.State!.Value.GetProperty("rssi").GetInt32());
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Tampered_replayed_and_wrong_key_packets_are_refused_and_never_answered(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        await using var gateway = new TestGateway(host, await user.RegisterAndBindAsync());
        await gateway.LoginAsync();
        await gateway.ConnectAsync();
        using var metrics = new MetricsProbe(host);

        var good = gateway.Seal(new SessionRequest("r-1", "heartbeat"));
        await gateway.PublishRawAsync(Topics.GatewayUp(gateway.Tid), good);
        Assert.Equal("r-1", (await gateway.NextAsync<SessionResponse>()).Message.Txn);

        await gateway.PublishRawAsync(Topics.GatewayUp(gateway.Tid), good); // replayed
        var tampered = gateway.Seal(new SessionRequest("r-2", "heartbeat"));
        tampered[^1] ^= 0x01;
        await gateway.PublishRawAsync(Topics.GatewayUp(gateway.Tid), tampered);
        using (var wrongKey = new Pi.Protocol.Envelopes.EnvelopeSealer(Pi.Protocol.Crypto.SymmetricKey.Generate(), gateway.Session!.SessionKeyId, Pi.Protocol.Crypto.Direction.GatewayToCloud, 100))
        {
            await gateway.PublishRawAsync(Topics.GatewayUp(gateway.Tid), wrongKey.Seal(new SessionRequest("r-3", "heartbeat"), gateway.Tid));
        }
        await gateway.PublishRawAsync(Topics.GatewayUp(gateway.Tid), "garbage"u8.ToArray());

        // the next good packet is the first thing answered after the good one
        await gateway.SendAsync(new SessionRequest("r-4", "heartbeat"));
        Assert.Equal("r-4", (await gateway.NextAsync<SessionResponse>()).Message.Txn);
        Assert.Equal(0, gateway.Received.Reader.Count);
        await metrics.WaitForAsync("replayed", 1);
        await metrics.WaitForAsync("authentication_failed", 2);
    }
}
