using Pi.Protocol.Messages;
using Pi.SubDevice.Emulation;

namespace Pi.SubDevice.Tests;

public class Reconnect_Tests
{
    [Fact]
    public async Task After_the_gateway_drops_it_the_device_links_again_with_new_nonces_a_new_key_and_counters_from_zero()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-again");
        _ = new SwitchEmulator(device.Client);
        await device.Client.SendAsync(Telemetry.Create(Telemetry.Json("{\"n\":1}")), CancellationToken.None);
        await device.Client.SendAsync(Telemetry.Create(Telemetry.Json("{\"n\":2}")), CancellationToken.None);
        Assert.Equal(2UL, device.Client.NextUpCounter);

        await gateway.DropAsync("sd-again");

        var lost = await device.Disconnects.WaitAsync(_ => true);
        Assert.True(lost.WasLinked);
        var second = await device.Links.WaitAsync(l => l.Connection == 2);
        var hellos = gateway.Hellos.Snapshot();
        Assert.Equal(2, hellos.Count);
        Assert.NotEqual(hellos[0].DeviceNonce, hellos[1].DeviceNonce);
        Assert.NotEqual(hellos[0].KeyId, hellos[1].KeyId);
        Assert.Equal(hellos[1].KeyId, second.KeyId);
        Assert.Equal(0UL, device.Client.NextUpCounter);

        // Retained online again (after the will's offline).
        await gateway.Availability.WaitAsync(a => a.Did == "sd-again" && a.Payload == "online", skip: 1);
        Assert.Equal("online", await gateway.RetainedAvailabilityAsync("sd-again"));

        // Resubscribed: a command on the new link is answered, sealed under the new key from 0.
        await gateway.SendCommandAsync("sd-again", new SessionRequest("t-after", "switch.get", "sd-again"));
        var answer = await gateway.Up.WaitAsync(p => p.Message is SessionResponse { Txn: "t-after" });
        Assert.Equal(hellos[1].KeyId, answer.Header.KeyId);
        Assert.Equal(0UL, answer.Header.Counter);
        Assert.Equal(2, device.Client.Counters.Links);
    }

    [Fact]
    public async Task A_packet_of_the_old_link_never_opens_on_the_new_one()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-old");
        _ = new SwitchEmulator(device.Client);
        var old = await gateway.SendCommandAsync("sd-old", new SessionRequest("t-old", "switch.get", "sd-old"));
        await device.Commands.WaitAsync(c => c.Request.Txn == "t-old");

        await gateway.DropAsync("sd-old");
        await device.Links.WaitAsync(l => l.Connection == 2);
        await gateway.SendDownAsync("sd-old", old);
        await gateway.SendCommandAsync("sd-old", new SessionRequest("t-new", "switch.get", "sd-old"));
        await device.Commands.WaitAsync(c => c.Request.Txn == "t-new");

        Assert.Equal(1, device.Client.Counters.Dropped);
        Assert.Equal(2, device.Client.Counters.CommandsHandled);
    }
}

public class Welcome_Timeout_Tests
{
    [Fact]
    public async Task Without_a_welcome_the_device_drops_the_connection_and_tries_again()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.MuteHellos = true;
        var key = gateway.Add("sd-mute");
        await using var device = new TestClient(gateway, "sd-mute", key, welcomeTimeout: TimeSpan.FromMilliseconds(200));
        await device.Client.StartAsync(CancellationToken.None);

        var failed = await device.Disconnects.WaitAsync(_ => true);
        Assert.False(failed.WasLinked);
        Assert.Contains("no welcome", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(1, device.Client.Counters.WelcomeTimeouts);
        Assert.False(device.Client.IsLinked);

        gateway.MuteHellos = false;
        var linked = await device.Links.WaitAsync(_ => true);
        Assert.True(linked.Connection >= 2);
        Assert.True(device.Client.IsLinked);
    }
}
