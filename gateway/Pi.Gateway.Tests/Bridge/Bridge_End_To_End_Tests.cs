using System.Buffers;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Pi.Cloud.Sessions;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>The real bridge between emulated sub-devices and the real cloud host, on loopback.</summary>
public sealed class Bridge_End_To_End_Tests
{
    [Fact]
    public async Task A_command_from_the_app_reaches_the_sub_device_and_its_answer_comes_back()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync("switch");
        string? seenTxn = null;
        device.OnCommand = request =>
        {
            seenTxn = request.Txn;
            var on = request.Args!.Value.GetProperty("on").GetBoolean();
            return new SessionResponse(request.Txn, true, JsonSerializer.SerializeToElement(new { on }));
        };

        var reply = await harness.CommandAsync("switch.set", device.Did, new { on = true });

        Assert.True(reply.Ok, reply.ErrorMessage);
        Assert.True(reply.Result!.Value.GetProperty("on").GetBoolean());
        Assert.Equal(reply.Txn, seenTxn);
    }

    [Fact]
    public async Task A_sub_device_that_does_not_answer_gives_a_timeout_error_not_silence()
    {
        await using var harness = await BridgeHarness.StartAsync(o => o.CommandTimeout = TimeSpan.FromMilliseconds(300));
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync("switch");
        device.OnCommand = _ => null;

        var reply = await harness.CommandAsync("switch.set", device.Did, new { on = true }, timeoutMs: 5000);

        Assert.False(reply.Ok);
        Assert.Equal("timeout", reply.ErrorCode);
    }

    [Fact]
    public async Task A_command_to_a_sub_device_that_is_not_connected_is_answered_offline()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        var (did, _) = await harness.AddSubDeviceAsync();

        var reply = await harness.CommandAsync("switch.get", did);

        Assert.False(reply.Ok);
        Assert.Equal("offline", reply.ErrorCode);
    }

    [Fact]
    public async Task Telemetry_travels_sealed_through_the_bridge_and_is_recorded_by_the_cloud()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync();
        var presence = harness.Cloud.Service<GatewayPresence>();
        var received = new TaskCompletionSource<Telemetry>(TaskCreationOptions.RunContinuationsAsynchronously);
        presence.TelemetryReceived += (tid, telemetry) =>
        {
            if (telemetry.Did == device.Did && telemetry.Payload?.GetProperty("temperature").GetDouble() == 21.5)
            {
                received.TrySetResult(telemetry);
            }
        };

        var published = await device.TelemetryAsync(21.5);

        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        var telemetry = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(device.Did, telemetry.Did);
    }

    [Fact]
    public async Task Removing_a_sub_device_disconnects_it_at_once_and_it_cannot_connect_again()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync();
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };

        await harness.RemoveSubDeviceAsync(device.Did);

        await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using var again = harness.Device(device.Did, device.LocalKey);
        var result = await again.ConnectAsync();
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        Assert.Equal(1, harness.Counters.RefusedCount(BridgeRefusalsNames.Revoked));
    }

    [Fact]
    public async Task A_new_sub_device_needs_the_pairing_window_once_and_then_connects_any_time()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        var (did, key) = await harness.AddSubDeviceAsync();
        await using (var early = harness.Device(did, key))
        {
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, (await early.ConnectAsync()).ResultCode);
        }

        var opened = await harness.CommandAsync("pairing.open", args: new { seconds = 60 });
        Assert.True(opened.Ok);
        Assert.True(opened.Result!.Value.GetProperty("open").GetBoolean());
        await using (var first = harness.Device(did, key))
        {
            await first.LinkAsync();
            var pairing = ProtocolJson.Deserialize<PairingStatus>((await NextRetainedAsync(first, Topics.BridgePairing)).Payload.ToArray());
            Assert.True(pairing.Open);
            Assert.Equal(opened.Result!.Value.GetProperty("until").GetDateTimeOffset(), pairing.Until);
        }

        var closed = await harness.CommandAsync("pairing.close");
        Assert.True(closed.Ok);
        Assert.Null(harness.Bridge.PairingUntil);
        await using var later = harness.Device(did, key);
        await later.LinkAsync();
    }

    [Fact]
    public async Task The_bridge_state_is_retained_and_says_whether_the_cloud_is_connected()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync();

        var status = ProtocolJson.Deserialize<BridgeStatus>((await NextRetainedAsync(device, Topics.BridgeState)).Payload.ToArray());
        Assert.Equal(BridgeRunState.Online, status.State);

        var state = await harness.CommandAsync("bridge.state");
        Assert.True(state.Ok);
        Assert.True(state.Result!.Value.GetProperty("cloud").GetBoolean());
    }

    [Fact]
    public async Task A_factory_reset_revokes_every_sub_device()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync();
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };

        await harness.Bridge.WipeAsync(default);

        await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, harness.Keys.Count);
        await using var again = harness.Device(device.Did, device.LocalKey);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, (await again.ConnectAsync()).ResultCode);
    }

    private static async Task<MqttApplicationMessage> NextRetainedAsync(LanTestDevice device, string topic)
    {
        var subscribed = await device.SubscribeAsync(topic);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);
        return await device.NextAsync(topic);
    }
}

internal static class BridgeRefusalsNames
{
    public const string Revoked = Pi.Gateway.Bridge.BridgeRefusals.Revoked;
}
