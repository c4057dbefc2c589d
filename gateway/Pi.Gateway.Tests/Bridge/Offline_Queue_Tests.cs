using System.Collections.Concurrent;
using System.Net.Http.Json;
using MQTTnet;
using Pi.Cloud.Sessions;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>While the cloud is unreachable, up-packets wait in the offline queue and arrive in order afterwards.</summary>
public sealed class Offline_Queue_Tests
{
    [Fact]
    public async Task Up_packets_wait_while_the_cloud_is_away_and_arrive_in_order_once_it_is_back()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync();
        var received = new ConcurrentQueue<double>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Cloud.Service<GatewayPresence>().TelemetryReceived += (_, t) =>
        {
            if (t.Did == device.Did)
            {
                received.Enqueue(t.Payload!.Value.GetProperty("temperature").GetDouble());
                if (received.Count == 30)
                {
                    all.TrySetResult();
                }
            }
        };
        await harness.Client.DisconnectAsync();

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, (await device.TelemetryAsync(i)).ReasonCode);
        }
        Assert.True(harness.Queue.Count >= 30);
        Assert.Empty(received);

        var (connected, _, detail) = await harness.Client.ConnectAsync(default);
        Assert.True(connected, detail);
        await all.Task.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(Enumerable.Range(0, 30).Select(i => (double)i), received);
        await WaitForEmptyAsync(harness);
    }

    internal static async Task WaitForEmptyAsync(BridgeHarness harness, TimeSpan? timeout = null)
    {
        var empty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (harness.Queue.Count == 0)
            {
                empty.TrySetResult();
            }
        }
        harness.Queue.Changed += Check;
        try
        {
            Check();
            await empty.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        }
        finally
        {
            harness.Queue.Changed -= Check;
        }
    }
}

/// <summary>The offline queue survives a gateway restart, and a full queue's drops reach the cloud.</summary>
public sealed class Offline_Queue_Restart_Tests
{
    [Fact]
    public async Task Queued_up_packets_survive_a_gateway_restart_and_are_delivered_once_in_order()
    {
        var harness = await BridgeHarness.StartAsync();
        BridgeHarness? restarted = null;
        try
        {
            await harness.OnlineAsync();
            string did;
            await using (var device = await harness.LinkedDeviceAsync())
            {
                did = device.Did;
                await Offline_Queue_Tests.WaitForEmptyAsync(harness); // the online item went out
                await harness.Client.DisconnectAsync();
                for (var i = 0; i < 25; i++)
                {
                    Assert.Equal(MqttClientPublishReasonCode.Success, (await device.TelemetryAsync(i)).ReasonCode);
                }
                Assert.True(harness.Queue.Count >= 25);
            }

            var received = new ConcurrentQueue<double>();
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            harness.Cloud.Service<GatewayPresence>().TelemetryReceived += (_, t) =>
            {
                if (t.Did == did)
                {
                    received.Enqueue(t.Payload!.Value.GetProperty("temperature").GetDouble());
                    if (received.Count == 25)
                    {
                        all.TrySetResult();
                    }
                }
            };
            restarted = await harness.RestartAsync();
            Assert.True(restarted.Queue.Count >= 25);
            await restarted.OnlineAsync();

            await all.Task.WaitAsync(TimeSpan.FromSeconds(15));
            await Offline_Queue_Tests.WaitForEmptyAsync(restarted);
            Assert.Equal(Enumerable.Range(0, 25).Select(i => (double)i), received);
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
            await harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_full_queue_drops_the_oldest_and_the_cloud_is_told_how_many()
    {
        await using var harness = await BridgeHarness.StartAsync(queue: BridgeHarness.FileQueue(o => o.MaxItems = 5));
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync();
        await Offline_Queue_Tests.WaitForEmptyAsync(harness);
        await harness.Client.DisconnectAsync();
        var received = new ConcurrentQueue<double>();
        harness.Cloud.Service<GatewayPresence>().TelemetryReceived += (_, t) => received.Enqueue(t.Payload!.Value.GetProperty("temperature").GetDouble());

        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, (await device.TelemetryAsync(i)).ReasonCode);
        }
        Assert.Equal(5, harness.Queue.Count);
        Assert.Equal(7, harness.Queue.DroppedTotal);

        var relayed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Bridge.Relayed += _ => relayed.TrySetResult();
        var (connected, _, detail) = await harness.Client.ConnectAsync(default);
        Assert.True(connected, detail);
        await relayed.Task.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal([7d, 8d, 9d, 10d, 11d], received);
        var view = await harness.User.Client.GetFromJsonAsync<Pi.Cloud.Http.GatewayView>($"api/gateways/{harness.Tid}", System.Text.Json.JsonSerializerOptions.Web);
        Assert.Equal(7, view!.RelayDropped);
        Assert.Equal(0, harness.Queue.DroppedUnreported);
    }
}
