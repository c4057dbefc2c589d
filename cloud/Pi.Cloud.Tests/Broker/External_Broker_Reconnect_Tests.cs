using MQTTnet;
using Pi.Cloud.Broker;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Tests.Broker;

/// <summary>A lost broker never takes the host down: the worker reconnects with backoff and resubscribes.</summary>
public sealed class External_Broker_Reconnect_Tests
{
    [Fact]
    public async Task After_the_broker_restarts_the_worker_reconnects_resubscribes_and_traffic_flows_again()
    {
        await using var server = new MosquittoServer();
        await server.InitializeAsync();
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        var tid = Waits.NewTid();
        var token = Waits.NewToken();
        await worker.AdmitAsync(tid, token, CancellationToken.None).Within("admit");
        await using (var before = await TestGateway.ConnectAsync(server, tid, token))
        {
            await before.PublishUpAsync("before");
            Assert.Equal("before", (await traffic.NextUpAsync()).Text);
        }
        Assert.Equal(1, worker.Connections);

        await server.RestartAsync();

        await Waits.UntilAsync(() => worker.Connections >= 2 && worker.IsConnected, "the worker to reconnect and resubscribe");
        // The dynamic-security file kept the gateway's client: the same token still works.
        await using var after = await TestGateway.ConnectAsync(server, tid, token);
        Assert.Equal(MqttClientConnectResultCode.Success, after.ConnectResult.ResultCode);
        await after.SubscribeAsync(Topics.GatewayDown(tid));
        await after.PublishUpAsync("after");
        Assert.Equal("after", (await traffic.NextUpAsync("up traffic after the restart")).Text);
        Assert.True(await worker.SendDownAsync(tid, "command"u8.ToArray(), CancellationToken.None).Within("SendDownAsync after the restart"));
        Assert.Equal("command", (await after.NextReceivedAsync("a command after the restart")).Text);
        // The control answers are subscribed again too.
        await using var newcomer = await worker.AdmitAndConnectAsync(server);
        await newcomer.PublishUpAsync("newcomer");
        Assert.Equal(newcomer.Tid, (await traffic.NextUpAsync()).Tid);
    }

    [Fact]
    public async Task A_worker_started_while_the_broker_is_down_connects_once_it_is_up()
    {
        await using var server = new MosquittoServer();
        await server.InitializeAsync();
        await server.StopAsync();
        var traffic = new RecordingGatewayTraffic();
        var logger = new RecordingLogger<ExternalGatewayBroker>();
        await using var worker = TestCloud.CreateWorker(server.CloudOptions(), traffic, logger);

        await worker.StartAsync(CancellationToken.None);
        await Waits.UntilAsync(() => logger.Lines.Count(l => l.Contains(" 3104 ", StringComparison.Ordinal)) >= 2, "two failed connect attempts");
        Assert.False(worker.IsConnected);
        Assert.False(await worker.SendDownAsync(Waits.NewTid(), "x"u8.ToArray(), CancellationToken.None).Within("SendDownAsync"));

        await server.RestartAsync();

        await worker.WaitUntilConnectedAsync(CancellationToken.None).Within("the worker to connect once mosquitto is up");
        await using var gateway = await worker.AdmitAndConnectAsync(server);
        await gateway.PublishUpAsync("hello");
        Assert.Equal("hello", (await traffic.NextUpAsync()).Text);
    }

    [Fact]
    public async Task Stopping_ends_the_loop_and_disconnects_cleanly()
    {
        await using var server = new MosquittoServer();
        await server.InitializeAsync();
        var traffic = new RecordingGatewayTraffic();
        var logger = new RecordingLogger<ExternalGatewayBroker>();
        var worker = await TestCloud.StartWorkerAsync(server, traffic, logger);

        await worker.StopAsync(CancellationToken.None).Within("StopAsync");

        Assert.False(worker.IsConnected);
        Assert.Contains(logger.Lines, l => l.Contains(" 3106 ", StringComparison.Ordinal));
        Assert.DoesNotContain(logger.Lines, l => l.Contains(" 3102 ", StringComparison.Ordinal));
        await worker.DisposeAsync();
    }
}
