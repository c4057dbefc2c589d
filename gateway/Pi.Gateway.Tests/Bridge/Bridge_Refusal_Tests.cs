using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pi.Gateway.Bridge;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>Hostile sub-devices: refused and counted, and everyone else keeps working.</summary>
public sealed class Bridge_Refusal_Tests
{
    [Fact]
    public async Task Bad_credentials_are_refused_with_a_reason_code()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        var (did, key) = await harness.AddSubDeviceAsync();
        harness.Bridge.Open(TimeSpan.FromMinutes(1));

        await using (var wrongPassword = harness.Device(did, key))
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await wrongPassword.ConnectAsync(password: new string('0', 32))).ResultCode);
        }
        await using (var otherKey = harness.Device(did, SymmetricKey.Generate()))
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await otherKey.ConnectAsync()).ResultCode);
        }
        await using (var unknown = harness.Device("sd-unknown", key))
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await unknown.ConnectAsync()).ResultCode);
        }
        await using (var otherClientId = harness.Device(did, key))
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await otherClientId.ConnectAsync(clientId: "someone-else")).ResultCode);
        }
        await using (var mqtt311 = harness.Device(did, key))
        {
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                var result = await mqtt311.ConnectAsync(password: "wrong", version: MqttProtocolVersion.V311);
                Assert.NotEqual(MqttClientConnectResultCode.Success, result.ResultCode);
                throw new InvalidOperationException("refused");
            });
        }
        Assert.Equal(5, harness.Counters.RefusedCount(BridgeRefusals.BadCredentials));
    }

    [Fact]
    public async Task Foreign_topics_are_refused_and_counted_and_the_owner_keeps_working()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        await using var victim = await harness.LinkedDeviceAsync("switch");
        victim.OnCommand = r => new SessionResponse(r.Txn, true);
        await using var attacker = await harness.LinkedDeviceAsync();

        var subscribed = await attacker.SubscribeAsync(Topics.DeviceDown(victim.Did));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, subscribed.Items.Single().ResultCode);
        var wildcard = await attacker.SubscribeAsync("pi/v2/dev/#");
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, wildcard.Items.Single().ResultCode);
        var published = await attacker.PublishAsync(Topics.DeviceUp(victim.Did), attacker.Seal(new SessionRequest("x1", "telemetry")));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, published.ReasonCode);
        var welcome = await attacker.PublishAsync(Topics.DeviceWelcome(victim.Did), "{}"u8.ToArray());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, welcome.ReasonCode);

        Assert.Equal(2, harness.Counters.RefusedCount(BridgeRefusals.ForeignSubscribe));
        Assert.Equal(2, harness.Counters.RefusedCount(BridgeRefusals.ForeignPublish));
        Assert.True((await harness.CommandAsync("ping-device", victim.Did)).Ok);
    }

    [Fact]
    public async Task Tampered_replayed_and_foreign_key_packets_are_dropped_and_counted_but_acknowledged()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync();

        var packet = device.Seal(new SessionRequest("u1", "telemetry"));
        Assert.Equal(MqttClientPublishReasonCode.Success, (await device.PublishAsync(Topics.DeviceUp(device.Did), packet)).ReasonCode);
        var replayed = await device.PublishAsync(Topics.DeviceUp(device.Did), packet);
        var tampered = device.Seal(new SessionRequest("u2", "telemetry"));
        tampered[^1] ^= 1;
        var tamperedResult = await device.PublishAsync(Topics.DeviceUp(device.Did), tampered);
        var garbage = await device.PublishAsync(Topics.DeviceUp(device.Did), "not an envelope"u8.ToArray());

        Assert.Equal(MqttClientPublishReasonCode.Success, replayed.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, tamperedResult.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, garbage.ReasonCode);
        Assert.Equal(1, harness.Counters.RefusedCount("replayed"));
        Assert.Equal(1, harness.Counters.RefusedCount("authentication_failed"));
        Assert.Equal(1, harness.Counters.UpPackets);
        Assert.True(harness.Counters.RefusedCount("bad_magic") + harness.Counters.RefusedCount("truncated") + harness.Counters.RefusedCount("unsupported_version") >= 1);
    }

    [Fact]
    public async Task Up_packets_before_a_hello_and_malformed_hellos_are_refused()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        var (did, key) = await harness.AddSubDeviceAsync();
        harness.Bridge.Open(TimeSpan.FromMinutes(1));
        await using var device = harness.Device(did, key);
        Assert.Equal(MqttClientConnectResultCode.Success, (await device.ConnectAsync()).ResultCode);
        await device.SubscribeAsync(Topics.DeviceWelcome(did), Topics.DeviceDown(did));

        var early = await device.PublishAsync(Topics.DeviceUp(did), new byte[40]);
        var badHello = await device.PublishAsync(Topics.DeviceHello(did), "{\"nonce\":\"AAAA\"}"u8.ToArray());

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, early.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, badHello.ReasonCode);
        Assert.Equal(1, harness.Counters.RefusedCount(BridgeRefusals.NoLink));
        Assert.Equal(1, harness.Counters.RefusedCount(BridgeRefusals.BadHello));
        await device.HelloAsync(); // and the link still works after both
    }

    [Fact]
    public async Task A_flooding_sub_device_is_rate_limited_and_others_are_not()
    {
        await using var harness = await BridgeHarness.StartAsync(o =>
        {
            o.RatePerSecond = 1;
            o.RateBurst = 5;
        });
        await harness.OnlineAsync();
        await using var flooder = await harness.LinkedDeviceAsync();
        await using var quiet = await harness.LinkedDeviceAsync();

        var results = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 20; i++)
        {
            results.Add((await flooder.TelemetryAsync(i)).ReasonCode);
        }

        Assert.Contains(MqttClientPublishReasonCode.QuotaExceeded, results);
        Assert.InRange(results.Count(r => r == MqttClientPublishReasonCode.Success), 4, 6); // a burst of 5, less the hello's token, plus what refills meanwhile
        Assert.Equal(MqttClientPublishReasonCode.Success, (await quiet.TelemetryAsync(20)).ReasonCode);
        Assert.True(harness.Counters.RefusedCount(BridgeRefusals.RateLimited) >= 14);
    }

    [Fact]
    public async Task An_oversized_packet_closes_only_that_connection()
    {
        await using var harness = await BridgeHarness.StartAsync(o => o.MaxPacketSize = 4096);
        await harness.OnlineAsync();
        await using var big = await harness.LinkedDeviceAsync();
        await using var other = await harness.LinkedDeviceAsync("switch");
        other.OnCommand = r => new SessionResponse(r.Txn, true);
        var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Counters.Refused += (_, reason) =>
        {
            if (reason == BridgeRefusals.PacketTooLarge)
            {
                refused.TrySetResult();
            }
        };

        _ = big.PublishAsync(Topics.DeviceUp(big.Did), new byte[100_000]);

        await refused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True((await harness.CommandAsync("ping-device", other.Did)).Ok);
    }

    [Fact]
    public async Task Availability_takes_only_online_or_offline_and_hello_floods_are_rate_limited()
    {
        await using var harness = await BridgeHarness.StartAsync(o =>
        {
            o.RatePerSecond = 1;
            o.RateBurst = 3;
        });
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync(); // its hello took one token

        var junk = await device.PublishAsync(Topics.DeviceAvailability(device.Did), new byte[1000], retain: true);
        var online = await device.PublishAsync(Topics.DeviceAvailability(device.Did), "online"u8.ToArray(), retain: true);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, junk.ReasonCode);
        Assert.NotEqual(MqttClientPublishReasonCode.PayloadFormatInvalid, online.ReasonCode);
        Assert.Equal(1, harness.Counters.RefusedCount(BridgeRefusals.BadAvailability));

        var hellos = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 6; i++)
        {
            hellos.Add((await device.PublishAsync(Topics.DeviceHello(device.Did), ProtocolJson.Serialize(new LinkHello(new byte[16])))).ReasonCode);
        }
        Assert.Contains(MqttClientPublishReasonCode.QuotaExceeded, hellos);
        Assert.True(harness.Counters.RefusedCount(BridgeRefusals.RateLimited) >= 3);
    }

    [Fact]
    public async Task A_port_already_taken_stops_the_bridge_with_a_clear_message()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => BridgeHarness.StartAsync(o => o.Port = port));

        Assert.Contains("Bridge:Port", error.Message, StringComparison.Ordinal);
    }
}
