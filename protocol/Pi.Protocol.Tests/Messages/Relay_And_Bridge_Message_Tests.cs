using System.Text;
using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Messages;

/// <summary>The bridge's messages: relay (section 9), bridge and pairing status, onboarding (section 6.1), LAN password.</summary>
public sealed class Relay_And_Bridge_Message_Tests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 4, 0, 0, TimeSpan.Zero);

    private static RelayItem Telemetry(long seq, string did = "sd-7") =>
        new(seq, did, At, new SessionRequest("u-" + seq, "telemetry", Args: JsonDocument.Parse("{\"t\":1}").RootElement.Clone()));

    private static ProtocolException Refused(string json) =>
        Assert.Throws<ProtocolException>(() => ProtocolJson.DeserializeSession(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void A_relay_round_trips_with_its_nested_messages_typed()
    {
        var relay = new Relay("t-1", "q-1", [Telemetry(1), new RelayItem(2, "sd-8", At, new SessionResponse("c-1", true)), new RelayItem(5, "sd-8", At, Availability: SubDeviceAvailability.Online)]);
        var decoded = Assert.IsType<Relay>(ProtocolJson.DeserializeSession(ProtocolJson.Serialize(relay)));
        Assert.Equal(3, decoded.Items.Count);
        Assert.IsType<SessionRequest>(decoded.Items[0].Message);
        Assert.IsType<SessionResponse>(decoded.Items[1].Message);
        Assert.Equal(SubDeviceAvailability.Online, decoded.Items[2].Availability);
        Assert.Equal(0, decoded.Dropped);
    }

    [Fact]
    public void A_relay_must_carry_items_in_increasing_seq_order()
    {
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q-1", [Telemetry(2), Telemetry(2)])));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q-1", [Telemetry(3), Telemetry(1)])));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q-1", [])));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q-1", [Telemetry(0)])));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q-1", [.. Enumerable.Range(1, Relay.MaxItems + 1).Select(i => Telemetry(i))])));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q/1", [Telemetry(1)])));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q-1", [Telemetry(1)], -1)));
    }

    [Fact]
    public void After_is_left_out_when_absent_round_trips_and_lies_below_the_first_item()
    {
        Assert.DoesNotContain("after", Encoding.UTF8.GetString(ProtocolJson.Serialize(new Relay("t-1", "q-1", [Telemetry(1)]))), StringComparison.Ordinal);
        var decoded = Assert.IsType<Relay>(ProtocolJson.DeserializeSession(ProtocolJson.Serialize(new Relay("t-1", "q-1", [Telemetry(9)], After: 8))));
        Assert.Equal(8, decoded.After);
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q-1", [Telemetry(9)], After: 9)));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Serialize(new Relay("t-1", "q-1", [Telemetry(9)], After: 0)));
    }

    [Fact]
    public void A_relay_item_carries_exactly_one_of_message_and_availability()
    {
        Assert.Throws<ProtocolException>(() => new RelayItem(1, "sd-7", At).Validate());
        Assert.Throws<ProtocolException>(() => new RelayItem(1, "sd-7", At, new SessionRequest("u-1", "x"), SubDeviceAvailability.Online).Validate());
        Refused("""{"type":"relay","txn":"t","stream":"q","items":[{"seq":1,"did":"sd-7","at":"2026-11-26T04:00:00+00:00"}]}""");
    }

    [Theory]
    [InlineData("""{"type":"ack","txn":"a"}""")]
    [InlineData("""{"type":"relay","txn":"a","stream":"q","items":[{"seq":1,"did":"d","at":"2026-11-26T04:00:00+00:00","availability":"online"}]}""")]
    [InlineData("""{"type":"subDeviceRemoved","txn":"a","did":"d"}""")]
    public void A_relay_item_message_is_only_a_request_response_or_error(string inner)
    {
        Refused($$"""{"type":"relay","txn":"t","stream":"q","items":[{"seq":1,"did":"sd-7","at":"2026-11-26T04:00:00+00:00","message":{{inner}}}]}""");
    }

    [Theory]
    [InlineData("\"availability\":\"Online\"")]
    [InlineData("\"availability\":1")]
    [InlineData("\"availability\":\"away\"")]
    public void Availability_is_one_of_its_wire_names(string member)
    {
        Refused($$"""{"type":"relay","txn":"t","stream":"q","items":[{"seq":1,"did":"sd-7","at":"2026-11-26T04:00:00+00:00",{{member}}}]}""");
    }

    [Fact]
    public void The_spec_example_of_a_relay_decodes()
    {
        const string json = """{"type":"relay","txn":"g1a2b","stream":"q-5f0c1e2d","dropped":0,"items":[{"seq":41,"did":"sd-7","at":"2026-11-26T04:00:00.123+00:00","message":{"type":"request","txn":"u-9","command":"telemetry","args":{"temperature":21.5}}},{"seq":42,"did":"sd-8","at":"2026-11-26T04:00:00.125+00:00","availability":"offline"}]}""";
        var relay = Assert.IsType<Relay>(ProtocolJson.DeserializeSession(Encoding.UTF8.GetBytes(json)));
        Assert.Equal([41L, 42L], relay.Items.Select(i => i.Seq));
        Assert.Equal("telemetry", Assert.IsType<SessionRequest>(relay.Items[0].Message).Command);
    }

    [Fact]
    public void Pairing_status_has_until_exactly_when_open()
    {
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<PairingStatus>("""{"open":true}"""u8));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<PairingStatus>("""{"open":false,"until":"2026-11-26T04:00:00+00:00"}"""u8));
        Assert.Equal(new PairingStatus(true, At), ProtocolJson.Deserialize<PairingStatus>("""{"open":true,"until":"2026-11-26T04:00:00+00:00"}"""u8));
    }

    [Fact]
    public void Bridge_status_refuses_negative_counts_and_unknown_states()
    {
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<BridgeStatus>("""{"state":"online","cloud":true,"queued":-1,"dropped":0}"""u8));
        Assert.Throws<ProtocolException>(() => ProtocolJson.Deserialize<BridgeStatus>("""{"state":"starting","cloud":true,"queued":0,"dropped":0}"""u8));
        Assert.Equal("""{"state":"offline","cloud":false,"queued":0,"dropped":2}""", Encoding.UTF8.GetString(ProtocolJson.Serialize(new BridgeStatus(BridgeRunState.Offline, false, 0, 2))));
    }

    [Theory]
    [InlineData("https://10.0.0.1:1883")]
    [InlineData("10.0.0.1:1883")]
    [InlineData("")]
    public void Sub_device_info_needs_an_mqtt_broker_url(string broker)
    {
        Assert.Throws<ProtocolException>(() => new SubDeviceInfo("sd-7", Key(1), 1, At, broker).Validate());
    }

    [Fact]
    public void Sub_device_onboarding_frames_go_only_the_right_way()
    {
        Assert.True(Pi.Protocol.Framing.ProvisioningChannel.IsAllowed(ProvisioningRole.App, Pi.Protocol.Framing.ProvisioningTransport.Stream, Pi.Protocol.Framing.ProvisioningFrameType.SubDeviceInfo));
        Assert.True(Pi.Protocol.Framing.ProvisioningChannel.IsAllowed(ProvisioningRole.Gateway, Pi.Protocol.Framing.ProvisioningTransport.Stream, Pi.Protocol.Framing.ProvisioningFrameType.SubDeviceAck));
        Assert.False(Pi.Protocol.Framing.ProvisioningChannel.IsAllowed(ProvisioningRole.Gateway, Pi.Protocol.Framing.ProvisioningTransport.Stream, Pi.Protocol.Framing.ProvisioningFrameType.SubDeviceInfo));
        Assert.False(Pi.Protocol.Framing.ProvisioningChannel.IsAllowed(ProvisioningRole.App, Pi.Protocol.Framing.ProvisioningTransport.Datagram, Pi.Protocol.Framing.ProvisioningFrameType.SubDeviceInfo));
    }

    [Fact]
    public void The_lan_password_depends_on_key_and_did_and_is_32_lower_case_hex()
    {
        var a = KeyDerivation.DeriveLanPassword(Key(1), "sd-7").Reveal();
        Assert.Matches("^[0-9a-f]{32}$", a);
        Assert.NotEqual(a, KeyDerivation.DeriveLanPassword(Key(2), "sd-7").Reveal());
        Assert.NotEqual(a, KeyDerivation.DeriveLanPassword(Key(1), "sd-8").Reveal());
        Assert.Equal(a, KeyDerivation.DeriveLanPassword(Key(1), "sd-7").Reveal());
        Assert.Throws<ProtocolException>(() => KeyDerivation.DeriveLanPassword(Key(1), "sd/7"));
    }
}
