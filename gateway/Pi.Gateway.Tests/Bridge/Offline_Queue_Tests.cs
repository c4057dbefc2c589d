using System.Collections.Concurrent;
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

    internal static async Task WaitForEmptyAsync(BridgeHarness harness)
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
            await empty.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            harness.Queue.Changed -= Check;
        }
    }
}
