using MQTTnet.Protocol;

namespace Pi.SubDevice.Tests;

public class Credentials_And_Will_Tests
{
    [Fact]
    public async Task Connects_as_its_did_with_the_LAN_password()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-cred");

        // The double admits only client id = username = did and password = DeriveLanPassword.
        var connect = await gateway.Connects.WaitAsync(c => c.ClientId == "sd-cred");
        Assert.Equal(MqttConnectReasonCode.Success, connect.Result);
        Assert.Equal("sd-cred", connect.UserName);
    }

    [Fact]
    public async Task When_the_connection_dies_the_broker_publishes_the_retained_offline_will()
    {
        await using var gateway = await TestGateway.StartAsync();
        var key = gateway.Add("sd-will");
        // A long reconnect delay keeps the device away while the will is checked.
        await using var device = new TestClient(gateway, "sd-will", key, reconnect: TimeSpan.FromMinutes(5));
        await device.Client.StartAsync(CancellationToken.None);
        await device.Links.WaitAsync(_ => true);
        Assert.Equal("online", await gateway.RetainedAvailabilityAsync("sd-will"));

        await gateway.DropAsync("sd-will");
        await device.Disconnects.WaitAsync(_ => true);
        await gateway.Availability.WaitAsync(a => a.Did == "sd-will" && a.Payload == "offline");
        Assert.Equal("offline", await gateway.RetainedAvailabilityAsync("sd-will"));
    }

    [Fact]
    public async Task Publishes_a_retained_online_after_the_link_and_a_retained_offline_at_a_clean_stop()
    {
        await using var gateway = await TestGateway.StartAsync();
        var device = await TestClient.LinkedAsync(gateway, "sd-avail");

        var online = await gateway.Availability.WaitAsync(a => a.Did == "sd-avail");
        Assert.Equal(("online", true), (online.Payload, online.Retained));
        // The hello came first: availability follows the link.
        Assert.Single(gateway.Hellos.Snapshot());

        await device.Client.StopAsync(CancellationToken.None);
        var offline = await gateway.Availability.WaitAsync(a => a.Did == "sd-avail" && a.Payload == "offline");
        Assert.True(offline.Retained);
        Assert.Equal("offline", await gateway.RetainedAvailabilityAsync("sd-avail"));
        Assert.False(device.Client.IsLinked);
    }

    [Fact]
    public async Task Not_authorized_is_retried_often_for_the_pairing_period_then_slowly()
    {
        await using var gateway = await TestGateway.StartAsync();
        var key = gateway.Add("sd-pairing");
        gateway.Revoke("sd-pairing"); // refused as not authorized, as a closed pairing window refuses
        await using (var waiting = new TestClient(gateway, "sd-pairing", key, refusedRetry: TimeSpan.FromMinutes(5), pairingRetry: TimeSpan.FromMilliseconds(50)))
        {
            await waiting.Client.StartAsync(CancellationToken.None);
            var first = await waiting.Refusals.WaitAsync(_ => true);
            Assert.Equal(("NotAuthorized", TimeSpan.FromMilliseconds(50)), (first.ReasonCode, first.RetryIn));
            // A second try comes after the short delay, not after RefusedRetryDelay (5 min).
            var second = await waiting.Refusals.WaitAsync(_ => true, skip: 1);
            Assert.Equal(TimeSpan.FromMilliseconds(50), second.RetryIn);
        }

        // Past the pairing period, not authorized waits the long delay too.
        await using var revoked = new TestClient(gateway, "sd-pairing", key, refusedRetry: TimeSpan.FromMinutes(5), pairingRetry: TimeSpan.FromMilliseconds(50), pairingPeriod: TimeSpan.Zero);
        await revoked.Client.StartAsync(CancellationToken.None);
        Assert.Equal(TimeSpan.FromMinutes(5), (await revoked.Refusals.WaitAsync(_ => true)).RetryIn);
    }

    [Fact]
    public async Task A_refused_password_is_reported_and_retried_slowly_without_ever_linking()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Add("sd-wrong");
        await using var device = new TestClient(gateway, "sd-wrong", Pi.Protocol.Crypto.SymmetricKey.Generate());
        await device.Client.StartAsync(CancellationToken.None);

        var first = await device.Refusals.WaitAsync(_ => true);
        Assert.Equal("BadUserNameOrPassword", first.ReasonCode);
        Assert.Equal(TimeSpan.FromMilliseconds(100), first.RetryIn);
        await device.Refusals.WaitAsync(_ => true, skip: 1);
        Assert.True(device.Client.Counters.Refusals >= 2);
        Assert.Equal(0, device.Client.Counters.Links);
        Assert.Empty(gateway.Hellos.Snapshot());
    }

    [Fact]
    public async Task A_revoked_did_is_reported_as_not_authorized()
    {
        await using var gateway = await TestGateway.StartAsync();
        var key = gateway.Add("sd-revoked");
        gateway.Revoke("sd-revoked");
        await using var device = new TestClient(gateway, "sd-revoked", key);
        await device.Client.StartAsync(CancellationToken.None);

        var refusal = await device.Refusals.WaitAsync(_ => true);
        Assert.Equal("NotAuthorized", refusal.ReasonCode);
        Assert.False(device.Client.IsLinked);
    }
}
