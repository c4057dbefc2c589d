using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Envelopes;

public sealed class Envelope_Sealer_Opener_Tests
{
    private const uint KeyId = 0x01020304;
    private static readonly SymmetricKey SessionKey = Key(0x21);

    private static EnvelopeSealer Sealer(Direction direction = Direction.GatewayToCloud, SymmetricKey? key = null, uint keyId = KeyId) =>
        new(key ?? SessionKey, keyId, direction);

    private static EnvelopeOpener Opener(Direction direction = Direction.GatewayToCloud, string? tid = null, string? did = null, ReplayMode mode = ReplayMode.Datagram, int maxSize = SessionEnvelope.DefaultMaxSize) =>
        new(SessionKey, KeyId, direction, tid, did, mode, maxSize);

    [Theory]
    [InlineData("gw-1", null)]
    [InlineData(null, "dev_1")]
    [InlineData("gw-1", "dev_1")]
    public void Round_trips_with_tid_did_or_both(string? tid, string? did)
    {
        using var sealer = Sealer();
        using var opener = Opener(tid: tid, did: did);
        var opened = opener.Open(sealer.Seal(Utf8("payload"), tid, did));
        Assert.Equal(Utf8("payload"), opened.Plaintext);
        Assert.Equal(new EnvelopeHeader(Direction.GatewayToCloud, KeyId, 0, tid, did), opened.Header);
        Assert.Equal(0UL, opener.HighestAccepted);
    }

    [Fact]
    public void Counters_increase_with_every_envelope()
    {
        using var sealer = Sealer();
        Assert.Equal(0UL, sealer.NextCounter);
        sealer.Seal(Utf8("a"), "gw-1");
        var second = sealer.Seal(Utf8("b"), "gw-1");
        Assert.Equal(1UL, SessionEnvelope.ReadHeader(second).Counter);
        Assert.Equal(2UL, sealer.NextCounter);
        Assert.Equal(KeyId, sealer.KeyId);
        Assert.Equal(Direction.GatewayToCloud, sealer.Direction);
    }

    [Fact]
    public void Seals_into_a_span_destination()
    {
        using var sealer = Sealer(Direction.GatewayToSubDevice);
        using var opener = Opener(Direction.GatewayToSubDevice, did: "lamp-3");
        var destination = new byte[200];
        destination.AsSpan().Fill(0xEE);
        var length = sealer.Seal(Utf8("on"), null, "lamp-3", destination);
        Assert.Equal(SessionEnvelope.GetSealedSize(2, null, "lamp-3"), length);
        Assert.All(destination[length..], b => Assert.Equal(0xEE, b));
        Assert.Equal(Utf8("on"), opener.Open(destination.AsSpan(0, length)).Plaintext);
        Assert.Throws<ArgumentOutOfRangeException>(() => sealer.Seal(Utf8("on"), null, "lamp-3", new byte[length - 1]));
    }

    [Fact]
    public void OpenMessage_decodes_a_session_message()
    {
        using var sealer = Sealer(Direction.CloudToGateway);
        using var opener = Opener(Direction.CloudToGateway, tid: "gw-1");
        var request = new SessionRequest("txn-1", "setBrightness", "lamp-3", JsonDocument.Parse("{\"level\":40}").RootElement);
        var (header, message) = opener.OpenMessage(sealer.Seal(request, "gw-1"));
        Assert.Equal("gw-1", header.Tid);
        var received = Assert.IsType<SessionRequest>(message);
        Assert.Equal("setBrightness", received.Command);
        Assert.Equal(40, received.Args!.Value.GetProperty("level").GetInt32());
    }

    [Fact]
    public void A_reflected_envelope_has_the_wrong_direction()
    {
        using var sealer = Sealer(Direction.GatewayToCloud);
        using var opener = Opener(Direction.CloudToGateway);
        Throws(ProtocolErrorCode.WrongDirection, () => opener.Open(sealer.Seal(Utf8("x"), "gw-1")));
    }

    [Fact]
    public void Another_key_id_is_a_key_id_mismatch()
    {
        using var sealer = Sealer(keyId: KeyId + 1);
        using var opener = Opener();
        Throws(ProtocolErrorCode.KeyIdMismatch, () => opener.Open(sealer.Seal(Utf8("x"), "gw-1")));
    }

    [Fact]
    public void An_opener_bound_to_a_tid_or_did_refuses_others()
    {
        using var sealer = Sealer();
        using var byTid = Opener(tid: "gw-1");
        Throws(ProtocolErrorCode.IdMismatch, () => byTid.Open(sealer.Seal(Utf8("x"), "gw-2")));
        Throws(ProtocolErrorCode.IdMismatch, () => byTid.Open(sealer.Seal(Utf8("x"), "GW-1")));
        Throws(ProtocolErrorCode.IdMismatch, () => byTid.Open(sealer.Seal(Utf8("x"), null, "gw-1")));

        using var byDid = Opener(did: "dev-1");
        Throws(ProtocolErrorCode.IdMismatch, () => byDid.Open(sealer.Seal(Utf8("x"), "gw-1", "dev-2")));
        Throws(ProtocolErrorCode.IdMismatch, () => byDid.Open(sealer.Seal(Utf8("x"), "gw-1")));
        Assert.Equal(Utf8("x"), byDid.Open(sealer.Seal(Utf8("x"), "gw-1", "dev-1")).Plaintext);
    }

    [Fact]
    public void Replays_are_refused()
    {
        using var sealer = Sealer();
        using var opener = Opener();
        var envelope = sealer.Seal(Utf8("x"), "gw-1");
        opener.Open(envelope);
        Throws(ProtocolErrorCode.Replayed, () => opener.Open(envelope));
    }

    [Fact]
    public void Datagram_openers_take_reordered_envelopes_and_stream_openers_do_not()
    {
        using var sealer = Sealer();
        var first = sealer.Seal(Utf8("1"), "gw-1");
        var second = sealer.Seal(Utf8("2"), "gw-1");
        using var datagram = Opener();
        datagram.Open(second);
        datagram.Open(first);
        using var stream = Opener(mode: ReplayMode.Stream);
        stream.Open(second);
        Throws(ProtocolErrorCode.Replayed, () => stream.Open(first));
    }

    [Fact]
    public void Tampering_anywhere_fails_authentication_and_leaves_the_window()
    {
        using var sealer = Sealer();
        var older = sealer.Seal(Utf8("older"), "gw-1", "dev-1");
        var envelope = sealer.Seal(Utf8("newer"), "gw-1", "dev-1");
        using var opener = Opener();
        // Counter, tid ("gw-2"), did ("dev-3"), ciphertext and tag; the other header bytes fail earlier checks.
        foreach (var (index, mask) in new[] { (16, (byte)0x04), (21, (byte)0x03), (27, (byte)0x02), (30, (byte)0x01), (envelope.Length - 1, (byte)0x80) })
        {
            Throws(ProtocolErrorCode.AuthenticationFailed, () => opener.Open(Flip(envelope, index, mask)));
        }
        Assert.Null(opener.HighestAccepted);
        opener.Open(older);
        opener.Open(envelope);
    }

    [Fact]
    public void Another_key_fails_authentication()
    {
        using var sealer = Sealer(key: Key(0x22));
        using var opener = Opener();
        Throws(ProtocolErrorCode.AuthenticationFailed, () => opener.Open(sealer.Seal(Utf8("x"), "gw-1")));
    }

    [Fact]
    public void An_envelope_larger_than_the_openers_limit_is_too_large()
    {
        using var sealer = Sealer();
        using var opener = Opener(maxSize: 100);
        var envelope = sealer.Seal(new byte[100], "gw-1");
        Throws(ProtocolErrorCode.FrameTooLarge, () => opener.Open(envelope));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("gw 1", null)]
    [InlineData("gw-1", "dev/1")]
    [InlineData(null, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void The_sealer_refuses_invalid_ids(string? tid, string? did)
    {
        using var sealer = Sealer();
        Throws(ProtocolErrorCode.InvalidId, () => sealer.Seal(Utf8("x"), tid, did));
        Throws(ProtocolErrorCode.InvalidId, () => sealer.Seal(Utf8("x"), tid, did, new byte[300]));
        Assert.Equal(0UL, sealer.NextCounter);
    }

    [Fact]
    public void The_opener_refuses_invalid_bound_ids()
    {
        Throws(ProtocolErrorCode.InvalidId, () => Opener(tid: "gw/1"));
        Throws(ProtocolErrorCode.InvalidId, () => Opener(did: ""));
    }

    [Theory]
    [InlineData(Direction.AppToGateway)]
    [InlineData(Direction.GatewayToApp)]
    [InlineData((Direction)0)]
    [InlineData((Direction)7)]
    public void Provisioning_and_undefined_directions_cannot_carry_envelopes(Direction direction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sealer(direction));
        Assert.Throws<ArgumentOutOfRangeException>(() => Opener(direction));
    }

    [Theory]
    [InlineData(SessionEnvelope.MinSize - 1)]
    [InlineData(SessionEnvelope.MaxAllowedSize + 1)]
    public void The_openers_limit_must_be_possible(int maxSize) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Opener(maxSize: maxSize));

    [Fact]
    public void The_opener_reports_its_bindings()
    {
        using var opener = Opener(Direction.SubDeviceToGateway, "gw-1", "dev-1");
        Assert.Equal(KeyId, opener.KeyId);
        Assert.Equal(Direction.SubDeviceToGateway, opener.Direction);
        Assert.Equal("gw-1", opener.Tid);
        Assert.Equal("dev-1", opener.Did);
        Assert.Null(opener.HighestAccepted);
    }
}
