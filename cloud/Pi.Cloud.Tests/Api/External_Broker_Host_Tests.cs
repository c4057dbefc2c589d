using System.Net.Http.Json;
using MQTTnet;
using Pi.Cloud.Http;
using Pi.Cloud.Tests.Broker;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Tests.Api;

/// <summary>
/// The same cloud host, with its session channel on a real Mosquitto (dynamic-security plugin)
/// instead of the embedded broker: login, ACL'd connect, sealed request/response both ways, logout.
/// </summary>
public class External_Broker_Host_Tests : IAsyncLifetime
{
    private readonly MosquittoServer _mosquitto = new();

    public Task InitializeAsync() => _mosquitto.InitializeAsync();

    public Task DisposeAsync() => _mosquitto.DisposeAsync();

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task The_session_channel_runs_on_an_external_broker(string store)
    {
        await using var host = await CloudHost.StartAsync(store, new Dictionary<string, string?>
        {
            ["Cloud:Mqtt:Mode"] = "External",
            ["Cloud:Mqtt:External:Url"] = _mosquitto.Url,
            ["Cloud:Mqtt:External:Username"] = MosquittoServer.CloudUsername,
            ["Cloud:Mqtt:External:Password"] = _mosquitto.CloudPassword,
        });
        Assert.Null(host.Urls.MqttEndPoint); // no embedded broker
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new TestGateway(host, registration);
        var session = await gateway.LoginAsync();
        Assert.Equal(_mosquitto.Url, session.MqttUrl);

        Assert.NotEqual(MqttClientConnectResultCode.Success, await gateway.ConnectAsync(password: "not-the-session-token-at-all"));
        // Through an external broker presence arrives asynchronously: await the cloud's presence event.
        var online = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Service<Pi.Cloud.Sessions.GatewayPresence>().OnlineChanged += (tid, isOnline) =>
        {
            if (tid == registration.Tid && isOnline)
            {
                online.TrySetResult();
            }
        };
        Assert.Equal(MqttClientConnectResultCode.Success, await gateway.ConnectAsync());

        await gateway.SendAsync(new SessionRequest("ext-1", "heartbeat"));
        Assert.Equal("ext-1", (await gateway.NextAsync<SessionResponse>()).Message.Txn);

        using var stop = new CancellationTokenSource();
        _ = gateway.AnswerRequestsAsync((_, request) => new SessionResponse(request.Txn, true), stop.Token);
        await online.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True((await user.Client.GetFromJsonAsync<GatewayView>($"/api/gateways/{registration.Tid}"))!.Online);
        var reply = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/commands", new { command = "ping" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandResponse>();
        Assert.True(reply!.Ok);
        await stop.CancelAsync();

        await gateway.SendAsync(new Logout("ext-bye"));
        await gateway.WaitDisconnectedAsync(15);
        Assert.NotEqual(MqttClientConnectResultCode.Success, await gateway.ConnectAsync(password: session.SessionToken.Reveal()));
    }
}
