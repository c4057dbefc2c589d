using Pi.SubDevice.Client;
using Pi.SubDevice.Emulation;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>The reference sub-device client (subdevice/Pi.SubDevice) against the real bridge and cloud.</summary>
public sealed class Reference_Client_Tests
{
    [Fact]
    public async Task The_reference_client_links_to_the_real_bridge_answers_a_cloud_command_and_relinks_after_a_gateway_restart()
    {
        var harness = await BridgeHarness.StartAsync();
        try
        {
            await harness.OnlineAsync();
            var (did, key) = await harness.AddSubDeviceAsync("switch");
            harness.Bridge.Open(TimeSpan.FromMinutes(1));
            var client = new SubDeviceClient(new SubDeviceClientOptions(did, key, BrokerEndpoint.Parse($"mqtt://127.0.0.1:{harness.Port}"))
            {
                InitialReconnectDelay = TimeSpan.FromMilliseconds(50),
                MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
            });
            var links = 0;
            var linked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var relinked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Linked += (_, e) => { if (Interlocked.Increment(ref links) == 1) linked.TrySetResult(); else relinked.TrySetResult(); };
            var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Refused += (_, e) => refused.TrySetResult(e.ReasonCode);
            var @switch = new SwitchEmulator(client);
            await client.StartAsync(default);
            await Task.WhenAny(linked.Task, refused.Task).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(refused.Task.IsCompleted, refused.Task.IsCompleted ? await refused.Task : "?");

            var reply = await harness.CommandAsync("switch.set", did, new { on = true });
            Assert.True(reply.Ok, reply.ErrorMessage);
            Assert.True(reply.Result!.Value.GetProperty("on").GetBoolean());
            var unknown = await harness.CommandAsync("dance", did);
            Assert.False(unknown.Ok);
            Assert.Equal("unknown_command", unknown.ErrorCode);
            await client.SendAsync(Telemetry.Create(System.Text.Json.JsonDocument.Parse("{\"temperature\":20.5}").RootElement.Clone()), default);
            Assert.Equal(0, client.Counters.Dropped);

            var port = harness.Port;
            harness = await harness.RestartAsync(o => o.Port = port);
            await harness.OnlineAsync();
            await relinked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0UL, client.NextUpCounter);
            var again = await harness.CommandAsync("switch.get", did);
            Assert.True(again.Ok, $"{again.ErrorCode}: {again.ErrorMessage}");
            await client.DisposeAsync();
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }
}
