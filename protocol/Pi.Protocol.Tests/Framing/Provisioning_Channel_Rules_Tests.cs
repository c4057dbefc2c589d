using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Framing;

public sealed class Provisioning_Channel_Rules_Tests
{
    private static readonly SymmetricKey AgreeKey = Key(0x42);
    private static readonly byte[] PublicKey = [0x04, .. Bytes(64, 0x10)];
    private static readonly byte[] Json = Utf8("{}");

    private static ProvisioningChannel Channel(ProvisioningRole self, ProvisioningTransport transport, bool openMode = false, SymmetricKey? key = null, int? maxFrameSize = null) =>
        new(key ?? AgreeKey, self, transport, openMode, maxFrameSize);

    private static ProvisioningFrame Parse(ProvisioningTransport transport, byte[] sealedBytes) =>
        transport == ProvisioningTransport.Stream ? ParseStream(sealedBytes) : ProvisioningFrame.Parse(sealedBytes);

    private static ProvisioningFrame ParseRaw(byte[] frame) => ProvisioningFrame.Parse(frame, ProvisioningFrame.MaxStreamFrameSize);

    public static TheoryData<ProvisioningRole, ProvisioningTransport, ProvisioningFrameType, bool> Sending_matrix()
    {
        var allowed = new HashSet<(ProvisioningRole, ProvisioningTransport, ProvisioningFrameType)>
        {
            (ProvisioningRole.App, ProvisioningTransport.Datagram, ProvisioningFrameType.SearchDevice),
            (ProvisioningRole.Gateway, ProvisioningTransport.Datagram, ProvisioningFrameType.DeviceInfo),
            (ProvisioningRole.Gateway, ProvisioningTransport.Datagram, ProvisioningFrameType.Error),
            (ProvisioningRole.App, ProvisioningTransport.Stream, ProvisioningFrameType.GetSsidList),
            (ProvisioningRole.App, ProvisioningTransport.Stream, ProvisioningFrameType.WifiCredentials),
            (ProvisioningRole.App, ProvisioningTransport.Stream, ProvisioningFrameType.RegistrationInfo),
            (ProvisioningRole.App, ProvisioningTransport.Stream, ProvisioningFrameType.SubDeviceInfo),
            (ProvisioningRole.App, ProvisioningTransport.Stream, ProvisioningFrameType.Error),
            (ProvisioningRole.Gateway, ProvisioningTransport.Stream, ProvisioningFrameType.SsidList),
            (ProvisioningRole.Gateway, ProvisioningTransport.Stream, ProvisioningFrameType.WifiResult),
            (ProvisioningRole.Gateway, ProvisioningTransport.Stream, ProvisioningFrameType.RegistrationAck),
            (ProvisioningRole.Gateway, ProvisioningTransport.Stream, ProvisioningFrameType.SubDeviceAck),
            (ProvisioningRole.Gateway, ProvisioningTransport.Stream, ProvisioningFrameType.Error),
        };
        var data = new TheoryData<ProvisioningRole, ProvisioningTransport, ProvisioningFrameType, bool>();
        foreach (var role in new[] { ProvisioningRole.App, ProvisioningRole.Gateway })
        {
            foreach (var transport in new[] { ProvisioningTransport.Datagram, ProvisioningTransport.Stream })
            {
                foreach (var type in Enum.GetValues<ProvisioningFrameType>())
                {
                    data.Add(role, transport, type, allowed.Contains((role, transport, type)));
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Sending_matrix))]
    public void Each_side_sends_only_its_own_frame_types(ProvisioningRole role, ProvisioningTransport transport, ProvisioningFrameType type, bool allowed)
    {
        Assert.Equal(allowed, ProvisioningChannel.IsAllowed(role, transport, type));
        using var channel = Channel(role, transport);
        var needsKey = transport == ProvisioningTransport.Datagram || role == ProvisioningRole.App;
        var publicKey = needsKey ? PublicKey : [];
        if (allowed)
        {
            var frame = Parse(transport, channel.SealPlaintext(type, Json, publicKey));
            Assert.Equal(type, frame.Type);
            Assert.Equal(role, frame.Sender);
        }
        else
        {
            Throws(ProtocolErrorCode.UnexpectedFrame, () => channel.SealPlaintext(type, Json, publicKey));
        }
    }

    [Fact]
    public void A_frame_type_the_peer_may_not_send_is_refused_on_open()
    {
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        var frame = SealRawFrame(AgreeKey, ProvisioningRole.App, ProvisioningFrameType.SsidList, Json, PublicKey);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => gateway.Open(ParseRaw(frame)));
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Datagram);
        var search = SealRawFrame(AgreeKey, ProvisioningRole.Gateway, ProvisioningFrameType.SearchDevice, Json, PublicKey, channel: NonceChannel.ProvisioningDatagram);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => app.Open(ParseRaw(search)));
    }

    [Fact]
    public void A_frame_from_the_wrong_sender_is_refused()
    {
        // The gateway's own frame reflected back at it.
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        var own = ParseStream(gateway.Seal(new WifiResult(true)));
        Throws(ProtocolErrorCode.UnexpectedFrame, () => gateway.Open(own));

        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Datagram);
        var ownSearch = ProvisioningFrame.Parse(app.Seal(new SearchDevice(Mac), PublicKey));
        Throws(ProtocolErrorCode.UnexpectedFrame, () => app.Open(ownSearch));
    }

    [Fact]
    public void The_apps_first_stream_frame_must_carry_the_gateway_key_and_later_ones_must_not()
    {
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Stream);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => app.Seal(new GetSsidList()));
        var first = ParseStream(app.Seal(new GetSsidList(), PublicKey));
        Assert.Equal(PublicKey, first.PublicKey.ToArray());
        Throws(ProtocolErrorCode.UnexpectedFrame, () => app.Seal(new GetSsidList(), PublicKey));
        Assert.Equal(0, ParseStream(app.Seal(new GetSsidList())).PayloadLength);
    }

    [Fact]
    public void Gateway_stream_frames_never_carry_a_key_and_datagrams_always_do()
    {
        using var gatewayStream = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => gatewayStream.Seal(new RegistrationAck("gw-1"), PublicKey));
        using var gatewayDatagram = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Datagram);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => gatewayDatagram.Seal(new ProvisioningError(ProtocolErrorCode.Busy, "")));
        using var appDatagram = Channel(ProvisioningRole.App, ProvisioningTransport.Datagram);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => appDatagram.Seal(new SearchDevice(Mac)));
    }

    [Theory]
    [InlineData(64, 0x04)]
    [InlineData(66, 0x04)]
    [InlineData(65, 0x02)]
    [InlineData(1, 0x04)]
    public void A_payload_that_is_not_a_public_key_is_refused_on_send(int length, byte first)
    {
        var key = new byte[length];
        key[0] = first;
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Stream);
        Throws(ProtocolErrorCode.InvalidPublicKey, () => app.Seal(new GetSsidList(), key));
    }

    [Fact]
    public void Payload_rules_are_enforced_on_open()
    {
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        var keyless = SealRawFrame(AgreeKey, ProvisioningRole.App, ProvisioningFrameType.GetSsidList, Json, counter: 0);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => gateway.Open(ParseRaw(keyless)));
        // The refused frame did not count as the APP's first: a proper first frame still opens.
        gateway.Open(ParseRaw(SealRawFrame(AgreeKey, ProvisioningRole.App, ProvisioningFrameType.GetSsidList, Json, PublicKey, counter: 1)));
        var keyAgain = SealRawFrame(AgreeKey, ProvisioningRole.App, ProvisioningFrameType.GetSsidList, Json, PublicKey, counter: 2);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => gateway.Open(ParseRaw(keyAgain)));

        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Stream);
        var gatewayWithKey = SealRawFrame(AgreeKey, ProvisioningRole.Gateway, ProvisioningFrameType.SsidList, Utf8("{\"networks\":[]}"), PublicKey);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => app.Open(ParseRaw(gatewayWithKey)));

        using var appDatagram = Channel(ProvisioningRole.App, ProvisioningTransport.Datagram);
        var infoWithoutKey = SealRawFrame(AgreeKey, ProvisioningRole.Gateway, ProvisioningFrameType.Error, Json, channel: NonceChannel.ProvisioningDatagram);
        Throws(ProtocolErrorCode.UnexpectedFrame, () => appDatagram.Open(ParseRaw(infoWithoutKey)));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_security_mode_mismatch_is_refused(bool appOpenMode, bool gatewayOpenMode)
    {
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Datagram, appOpenMode);
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Datagram, gatewayOpenMode);
        var frame = ProvisioningFrame.Parse(app.Seal(new SearchDevice(Mac), PublicKey));
        Assert.Equal(appOpenMode, frame.Flags == ProvisioningFrameFlags.OpenMode);
        Throws(ProtocolErrorCode.SecurityModeMismatch, () => gateway.Open(frame));
    }

    [Fact]
    public void Datagrams_may_arrive_out_of_order_but_only_once()
    {
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Datagram);
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Datagram);
        var first = ProvisioningFrame.Parse(gateway.Seal(new ProvisioningError(ProtocolErrorCode.Busy, "1"), PublicKey));
        var second = ProvisioningFrame.Parse(gateway.Seal(new ProvisioningError(ProtocolErrorCode.Busy, "2"), PublicKey));
        app.Open(second);
        app.Open(first);
        Throws(ProtocolErrorCode.Replayed, () => app.Open(first));
        Throws(ProtocolErrorCode.Replayed, () => app.Open(second));
    }

    [Fact]
    public void Stream_frames_must_arrive_in_order_and_only_once()
    {
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Stream);
        var first = ParseStream(gateway.Seal(new RegistrationAck("gw-1")));
        var second = ParseStream(gateway.Seal(new RegistrationAck("gw-1")));
        Assert.Equal(1UL, second.Sequence);
        app.Open(first);
        Throws(ProtocolErrorCode.Replayed, () => app.Open(first));
        app.Open(second);

        var third = ParseStream(gateway.Seal(new RegistrationAck("gw-1")));
        var fourth = ParseStream(gateway.Seal(new RegistrationAck("gw-1")));
        app.Open(fourth);
        Throws(ProtocolErrorCode.Replayed, () => app.Open(third));
    }

    [Fact]
    public void A_frame_sealed_under_another_agreekey_fails_authentication()
    {
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream, key: Key(0x99));
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Stream);
        Throws(ProtocolErrorCode.AuthenticationFailed, () => app.Open(ParseStream(gateway.Seal(new WifiResult(true)))));
    }

    [Fact]
    public void A_datagram_frame_does_not_open_on_the_stream_under_the_same_key()
    {
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Stream);
        var datagramError = SealRawFrame(AgreeKey, ProvisioningRole.Gateway, ProvisioningFrameType.Error, Utf8("{\"code\":\"busy\",\"message\":\"\"}"), channel: NonceChannel.ProvisioningDatagram);
        Throws(ProtocolErrorCode.AuthenticationFailed, () => app.Open(ParseRaw(datagramError)));
        var streamError = SealRawFrame(AgreeKey, ProvisioningRole.Gateway, ProvisioningFrameType.Error, Utf8("{\"code\":\"busy\",\"message\":\"\"}"), channel: NonceChannel.ProvisioningStream);
        Assert.IsType<ProvisioningError>(app.Open(ParseRaw(streamError)));
    }

    [Fact]
    public void Frames_larger_than_the_limit_are_refused_on_send()
    {
        using var datagram = Channel(ProvisioningRole.App, ProvisioningTransport.Datagram);
        var fits = ProvisioningFrame.MaxDatagramSize - ProvisioningFrame.HeaderSize - 65 - 16;
        Assert.Equal(ProvisioningFrame.MaxDatagramSize, datagram.SealPlaintext(ProvisioningFrameType.SearchDevice, new byte[fits], PublicKey).Length);
        Throws(ProtocolErrorCode.FrameTooLarge, () => datagram.SealPlaintext(ProvisioningFrameType.SearchDevice, new byte[fits + 1], PublicKey));

        using var stream = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        Throws(ProtocolErrorCode.FrameTooLarge, () => stream.SealPlaintext(ProvisioningFrameType.SsidList, new byte[ProvisioningFrame.DefaultMaxStreamFrameSize]));

        using var small = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream, maxFrameSize: 100);
        Assert.Equal(104, small.SealPlaintext(ProvisioningFrameType.SsidList, new byte[66]).Length);
        Throws(ProtocolErrorCode.FrameTooLarge, () => small.SealPlaintext(ProvisioningFrameType.SsidList, new byte[67]));
    }

    [Fact]
    public void The_data_region_is_limited_by_its_16_bit_length_even_under_the_largest_limit()
    {
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream, maxFrameSize: ProvisioningFrame.MaxStreamFrameSize);
        var largest = gateway.SealPlaintext(ProvisioningFrameType.SsidList, new byte[ushort.MaxValue - 16]);
        Assert.Equal(ushort.MaxValue, ParseStream(largest).Ciphertext.Length + 16);
        Throws(ProtocolErrorCode.FrameTooLarge, () => gateway.SealPlaintext(ProvisioningFrameType.SsidList, new byte[ushort.MaxValue - 15]));

        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Stream, maxFrameSize: ProvisioningFrame.MaxStreamFrameSize);
        Assert.Equal(ProvisioningFrame.MaxStreamFrameSize + 4, app.SealPlaintext(ProvisioningFrameType.GetSsidList, new byte[ushort.MaxValue - 16], PublicKey).Length);
    }

    [Fact]
    public void A_refused_first_frame_does_not_count_as_sent()
    {
        using var app = Channel(ProvisioningRole.App, ProvisioningTransport.Stream, maxFrameSize: 200);
        Throws(ProtocolErrorCode.FrameTooLarge, () => app.SealPlaintext(ProvisioningFrameType.GetSsidList, new byte[200], PublicKey));
        var first = ParseStream(app.SealPlaintext(ProvisioningFrameType.GetSsidList, Json, PublicKey));
        Assert.Equal(0UL, first.Sequence);
    }

    [Fact]
    public void Stream_frames_have_a_length_prefix_and_datagrams_do_not()
    {
        using var stream = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        var bytes = stream.Seal(new RegistrationAck("gw-1"));
        Assert.Equal(new byte[] { 0, 0, (byte)((bytes.Length - 4) >> 8), (byte)(bytes.Length - 4) }, bytes[..4]);
        Assert.Equal((byte)'P', bytes[4]);

        using var datagram = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Datagram);
        Assert.Equal((byte)'P', datagram.Seal(new ProvisioningError(ProtocolErrorCode.Busy, ""), PublicKey)[0]);
    }

    [Fact]
    public void An_authentic_frame_with_a_bad_message_is_reported_as_such()
    {
        using var gateway = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        var frame = SealRawFrame(AgreeKey, ProvisioningRole.App, ProvisioningFrameType.WifiCredentials, Json, PublicKey);
        Throws(ProtocolErrorCode.MissingField, () => gateway.Open(ParseRaw(frame)));

        using var other = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream);
        var garbage = SealRawFrame(AgreeKey, ProvisioningRole.App, ProvisioningFrameType.GetSsidList, Utf8("not json"), PublicKey);
        Assert.Equal(Utf8("not json"), other.OpenPlaintext(ParseRaw(garbage)));
    }

    [Fact]
    public void The_channel_knows_both_sides()
    {
        using var channel = Channel(ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: true);
        Assert.Equal(ProvisioningRole.Gateway, channel.Self);
        Assert.Equal(ProvisioningRole.App, channel.Peer);
        Assert.Equal(ProvisioningTransport.Stream, channel.Transport);
        Assert.True(channel.OpenMode);
    }

    [Theory]
    [InlineData(ProvisioningFrame.MinSize - 1)]
    [InlineData(ProvisioningFrame.MaxStreamFrameSize + 1)]
    public void The_frame_limit_must_be_possible(int limit) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Channel(ProvisioningRole.App, ProvisioningTransport.Stream, maxFrameSize: limit));
}
