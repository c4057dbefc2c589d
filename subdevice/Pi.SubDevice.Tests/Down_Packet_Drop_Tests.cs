using Pi.Protocol.Messages;
using Pi.SubDevice.Emulation;

namespace Pi.SubDevice.Tests;

public class Down_Packet_Drop_Tests
{
    [Fact]
    public async Task A_replayed_command_is_dropped_and_counted_and_not_run_twice()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-replay");
        _ = new SwitchEmulator(device.Client);

        var envelope = await gateway.SendCommandAsync("sd-replay", new SessionRequest("t-1", "switch.get", "sd-replay"));
        await device.Commands.WaitAsync(c => c.Request.Txn == "t-1");
        await gateway.SendDownAsync("sd-replay", envelope);
        // Down packets arrive in order: once the next command is handled, the replay was seen.
        await gateway.SendCommandAsync("sd-replay", new SessionRequest("t-2", "switch.get", "sd-replay"));
        await device.Commands.WaitAsync(c => c.Request.Txn == "t-2");

        Assert.Equal(1, device.Client.Counters.Dropped);
        Assert.Equal(2, device.Client.Counters.Received);
        Assert.Equal(["t-1", "t-2"], device.Commands.Snapshot().Select(c => c.Request.Txn));
    }

    [Fact]
    public async Task A_tampered_command_is_dropped_and_counted_and_the_link_goes_on()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-tamper");
        _ = new SwitchEmulator(device.Client);

        var tampered = gateway.Seal("sd-tamper", new SessionRequest("t-1", "switch.set", "sd-tamper", Telemetry.Json("{\"on\":true}")));
        tampered[^20] ^= 0x01;
        await gateway.SendDownAsync("sd-tamper", tampered);
        await gateway.SendCommandAsync("sd-tamper", new SessionRequest("t-2", "switch.get", "sd-tamper"));
        var answered = await device.Commands.WaitAsync(c => c.Request.Txn == "t-2");

        Assert.Equal(1, device.Client.Counters.Dropped);
        Assert.False(answered.Response.Result!.Value.GetProperty("on").GetBoolean());
        Assert.Single(device.Commands.Snapshot());
    }

    [Fact]
    public async Task Garbage_on_the_down_topic_is_dropped_and_counted()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-garbage");

        await gateway.SendDownAsync("sd-garbage", "not an envelope at all, just some bytes"u8.ToArray());
        await gateway.SendCommandAsync("sd-garbage", new SessionRequest("t-9", "anything", "sd-garbage"));
        await device.Commands.WaitAsync(c => c.Request.Txn == "t-9");

        Assert.Equal(1, device.Client.Counters.Dropped);
    }
}
