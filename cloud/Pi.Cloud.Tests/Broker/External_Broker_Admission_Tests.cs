using MQTTnet;
using Pi.Cloud.Broker;

namespace Pi.Cloud.Tests.Broker;

/// <summary>AdmitAsync/EvictAsync decide who may connect, through Mosquitto's dynamic-security plugin.</summary>
public sealed class External_Broker_Admission_Tests(MosquittoServer server) : IClassFixture<MosquittoServer>
{
    [Fact]
    public async Task An_admitted_gateway_connects_and_its_up_reaches_the_session_channel_with_its_tid()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        await using var gateway = await worker.AdmitAndConnectAsync(server);

        var puback = await gateway.PublishUpAsync("sealed-envelope-1");

        Assert.Equal(MqttClientPublishReasonCode.Success, puback.ReasonCode);
        var up = await traffic.NextUpAsync();
        Assert.Equal(gateway.Tid, up.Tid);
        Assert.Equal("sealed-envelope-1", up.Text);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_not_authorized()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        var tid = Waits.NewTid();
        await worker.AdmitAsync(tid, Waits.NewToken(), CancellationToken.None).Within("admit");

        await using var gateway = await TestGateway.ConnectAsync(server, tid, Waits.NewToken());

        // Mosquitto 2.0 answers a bad password with 0x87 Not authorized (not 0x86).
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, gateway.ConnectResult.ResultCode);
        Assert.False(gateway.IsConnected);
    }

    [Fact]
    public async Task A_gateway_that_was_never_admitted_is_refused()
    {
        await using var gateway = await TestGateway.ConnectAsync(server, Waits.NewTid(), Waits.NewToken());

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, gateway.ConnectResult.ResultCode);
    }

    [Fact]
    public async Task Evict_disconnects_a_connected_gateway_and_refuses_it_afterwards()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        var tid = Waits.NewTid();
        var token = Waits.NewToken();
        await worker.AdmitAsync(tid, token, CancellationToken.None).Within("admit");
        await using var gateway = await TestGateway.ConnectAsync(server, tid, token);
        Assert.Equal(MqttClientConnectResultCode.Success, gateway.ConnectResult.ResultCode);

        await worker.EvictAsync(tid, CancellationToken.None).Within("evict");

        var disconnected = await gateway.Disconnected.Within("mosquitto to close the evicted gateway's connection");
        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, disconnected.Reason);
        await using var again = await TestGateway.ConnectAsync(server, tid, token);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, again.ConnectResult.ResultCode);
    }

    [Fact]
    public async Task Admitting_again_replaces_the_token_and_closes_the_older_connection()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        var tid = Waits.NewTid();
        var oldToken = Waits.NewToken();
        await worker.AdmitAsync(tid, oldToken, CancellationToken.None).Within("first admit");
        await using var oldConnection = await TestGateway.ConnectAsync(server, tid, oldToken);
        Assert.Equal(MqttClientConnectResultCode.Success, oldConnection.ConnectResult.ResultCode);

        var newToken = Waits.NewToken();
        await worker.AdmitAsync(tid, newToken, CancellationToken.None).Within("second admit");

        await oldConnection.Disconnected.Within("the older connection to be closed");
        await using (var withOldToken = await TestGateway.ConnectAsync(server, tid, oldToken))
        {
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, withOldToken.ConnectResult.ResultCode);
        }
        await using var withNewToken = await TestGateway.ConnectAsync(server, tid, newToken);
        Assert.Equal(MqttClientConnectResultCode.Success, withNewToken.ConnectResult.ResultCode);
        await withNewToken.PublishUpAsync("after re-login");
        Assert.Equal("after re-login", (await traffic.NextUpAsync()).Text);
    }

    [Fact]
    public async Task Admit_and_evict_are_idempotent()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        var tid = Waits.NewTid();
        var token = Waits.NewToken();

        await worker.EvictAsync(tid, CancellationToken.None).Within("evicting a gateway that was never admitted");
        await worker.AdmitAsync(tid, token, CancellationToken.None).Within("admit");
        await worker.AdmitAsync(tid, token, CancellationToken.None).Within("the same admit again");
        await using (var gateway = await TestGateway.ConnectAsync(server, tid, token))
        {
            Assert.Equal(MqttClientConnectResultCode.Success, gateway.ConnectResult.ResultCode);
        }
        await worker.EvictAsync(tid, CancellationToken.None).Within("evict");
        await worker.EvictAsync(tid, CancellationToken.None).Within("the same evict again");
        await using var evicted = await TestGateway.ConnectAsync(server, tid, token);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, evicted.ConnectResult.ResultCode);
    }

    [Fact]
    public async Task The_session_token_never_appears_in_the_log()
    {
        var traffic = new RecordingGatewayTraffic();
        var logger = new RecordingLogger<ExternalGatewayBroker>();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic, logger);
        var tid = Waits.NewTid();
        var token = Waits.NewToken();

        await worker.AdmitAsync(tid, token, CancellationToken.None).Within("admit");
        await worker.EvictAsync(tid, CancellationToken.None).Within("evict");

        Assert.Contains(logger.Lines, line => line.Contains(tid, StringComparison.Ordinal));
        Assert.DoesNotContain(token, logger.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tid_that_is_not_an_identifier_is_refused_before_reaching_the_broker()
    {
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);

        await Assert.ThrowsAsync<Pi.Protocol.Errors.ProtocolException>(() => worker.AdmitAsync("gw/#", Waits.NewToken(), CancellationToken.None));
        await Assert.ThrowsAsync<Pi.Protocol.Errors.ProtocolException>(() => worker.EvictAsync("+", CancellationToken.None));
    }
}
