using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Envelopes;

public sealed class Session_Envelope_Tests
{
    private static byte[] Sealed(string? tid, string? did, string plaintext = "hello", Direction direction = Direction.GatewayToCloud, ulong firstCounter = 0)
    {
        using var sealer = new EnvelopeSealer(Key(1), 7, direction, firstCounter);
        return sealer.Seal(Utf8(plaintext), tid, did);
    }

    /// <summary>An envelope built byte by byte: the 17-byte fixed header, then <paramref name="tail"/>.</summary>
    private static byte[] Raw(byte[] tail, byte direction = 3, byte flags = 0, byte version = 2, ushort magic = SessionEnvelope.Magic)
    {
        var bytes = new byte[SessionEnvelope.FixedHeaderSize + tail.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, magic);
        bytes[2] = version;
        bytes[3] = direction;
        bytes[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), 7);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(9), 1);
        tail.CopyTo(bytes, SessionEnvelope.FixedHeaderSize);
        return bytes;
    }

    private static byte[] Id(string id) => [(byte)id.Length, .. Encoding.ASCII.GetBytes(id)];

    [Fact]
    public void Writes_every_header_field_at_its_documented_offset()
    {
        using var sealer = new EnvelopeSealer(Key(5), 0x0A0B0C0D, Direction.GatewayToCloud, firstCounter: 0x1122334455667788);
        var envelope = sealer.Seal(Utf8("hello"), "gw1", "dev-2");

        Assert.Equal(SessionEnvelope.GetSealedSize(5, "gw1", "dev-2"), envelope.Length);
        Assert.Equal(17 + 1 + 3 + 1 + 5 + 5 + 16, envelope.Length);
        Assert.Equal("PE"u8.ToArray(), envelope[0..2]);
        Assert.Equal(2, envelope[2]);
        Assert.Equal(3, envelope[3]);
        Assert.Equal(0, envelope[4]);
        Assert.Equal(new byte[] { 0x0A, 0x0B, 0x0C, 0x0D }, envelope[5..9]);
        Assert.Equal(new byte[] { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 }, envelope[9..17]);
        Assert.Equal(3, envelope[17]);
        Assert.Equal("gw1"u8.ToArray(), envelope[18..21]);
        Assert.Equal(5, envelope[21]);
        Assert.Equal("dev-2"u8.ToArray(), envelope[22..27]);

        // The seal: AES-128-GCM, nonce 00 00 03 direction || counter, the whole header as associated data.
        var nonce = Convert.FromHexString("000003031122334455667788");
        using var aes = new AesGcm(Key(5).Bytes, 16);
        var plaintext = new byte[5];
        aes.Decrypt(nonce, envelope.AsSpan(27, 5), envelope.AsSpan(32, 16), plaintext, envelope.AsSpan(0, 27));
        Assert.Equal(Utf8("hello"), plaintext);
    }

    [Fact]
    public void An_absent_id_is_written_as_length_zero()
    {
        var tidOnly = Sealed("gw1", null, "");
        Assert.Equal(3, tidOnly[17]);
        Assert.Equal(0, tidOnly[21]);
        Assert.Equal(22 + 16, tidOnly.Length);

        var didOnly = Sealed(null, "d", "");
        Assert.Equal(0, didOnly[17]);
        Assert.Equal(1, didOnly[18]);
        Assert.Equal((byte)'d', didOnly[19]);
        Assert.Equal(SessionEnvelope.MinSize + 1, didOnly.Length);
    }

    [Theory]
    [InlineData("gw1", null)]
    [InlineData(null, "dev-2")]
    [InlineData("gw1", "dev-2")]
    public void ReadHeader_returns_what_was_written(string? tid, string? did)
    {
        var header = SessionEnvelope.ReadHeader(Sealed(tid, did, direction: Direction.SubDeviceToGateway, firstCounter: 99));
        Assert.Equal(new EnvelopeHeader(Direction.SubDeviceToGateway, 7, 99, tid, did), header);
    }

    [Fact]
    public void The_longest_ids_fit()
    {
        var id = new string('a', 64);
        var header = SessionEnvelope.ReadHeader(Sealed(id, id.ToUpperInvariant()));
        Assert.Equal(id, header.Tid);
        Assert.Equal(id.ToUpperInvariant(), header.Did);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(34)]
    public void Fewer_bytes_than_the_smallest_envelope_are_truncated(int length) =>
        Throws(ProtocolErrorCode.Truncated, () => SessionEnvelope.ReadHeader(Sealed("gw1", null).AsSpan(0, length)));

    [Fact]
    public void Other_magic_is_bad_magic() =>
        Throws(ProtocolErrorCode.BadMagic, () => SessionEnvelope.ReadHeader(Raw([.. Id("gw1"), 0, .. new byte[16]], magic: 0x5047)));

    [Theory]
    [InlineData((byte)1)]
    [InlineData((byte)3)]
    public void Other_versions_are_unsupported(byte version) =>
        Throws(ProtocolErrorCode.UnsupportedVersion, () => SessionEnvelope.ReadHeader(Raw([.. Id("gw1"), 0, .. new byte[16]], version: version)));

    [Theory]
    [InlineData((byte)0)]
    [InlineData((byte)1)] // APP to gateway: a provisioning direction
    [InlineData((byte)2)] // gateway to APP
    [InlineData((byte)7)]
    [InlineData((byte)255)]
    public void Directions_other_than_3_to_6_are_wrong(byte direction) =>
        Throws(ProtocolErrorCode.WrongDirection, () => SessionEnvelope.ReadHeader(Raw([.. Id("gw1"), 0, .. new byte[16]], direction: direction)));

    [Theory]
    [InlineData((byte)0x01)]
    [InlineData((byte)0x80)]
    public void Every_flag_bit_is_reserved(byte flags) =>
        Throws(ProtocolErrorCode.ReservedFlags, () => SessionEnvelope.ReadHeader(Raw([.. Id("gw1"), 0, .. new byte[16]], flags: flags)));

    [Fact]
    public void An_envelope_naming_neither_tid_nor_did_is_an_invalid_id() =>
        Throws(ProtocolErrorCode.InvalidId, () => SessionEnvelope.ReadHeader(Raw([0, 0, .. new byte[16]])));

    [Theory]
    [InlineData(65)]
    [InlineData(255)]
    public void An_id_longer_than_64_is_an_invalid_id(int length) =>
        Throws(ProtocolErrorCode.InvalidId, () => SessionEnvelope.ReadHeader(Raw([(byte)length, .. Enumerable.Repeat((byte)'a', 300)])));

    [Theory]
    [InlineData("gw/1")]
    [InlineData("gw+1")]
    [InlineData("gw#1")]
    [InlineData("gw 1")]
    [InlineData("gw\u00001")]
    public void An_id_with_characters_outside_the_id_alphabet_is_invalid(string id)
    {
        Throws(ProtocolErrorCode.InvalidId, () => SessionEnvelope.ReadHeader(Raw([.. Id(id), 0, .. new byte[16]])));
        Throws(ProtocolErrorCode.InvalidId, () => SessionEnvelope.ReadHeader(Raw([0, .. Id(id), .. new byte[16]])));
    }

    [Fact]
    public void Non_ascii_id_bytes_are_invalid() =>
        Throws(ProtocolErrorCode.InvalidId, () => SessionEnvelope.ReadHeader(Raw([2, 0xC3, 0xBC, 0, .. new byte[16]])));

    [Fact]
    public void An_envelope_that_ends_inside_an_id_is_truncated()
    {
        Throws(ProtocolErrorCode.Truncated, () => SessionEnvelope.ReadHeader(Raw([40, .. Enumerable.Repeat((byte)'a', 30)])));
        Throws(ProtocolErrorCode.Truncated, () => SessionEnvelope.ReadHeader(Raw([0, 40, .. Enumerable.Repeat((byte)'a', 30)])));
    }

    [Fact]
    public void An_envelope_that_ends_before_the_did_length_is_truncated() =>
        Throws(ProtocolErrorCode.Truncated, () => SessionEnvelope.ReadHeader(Raw([17, .. Enumerable.Repeat((byte)'a', 17)])));

    [Fact]
    public void An_envelope_that_ends_before_its_tag_is_truncated()
    {
        Throws(ProtocolErrorCode.Truncated, () => SessionEnvelope.ReadHeader(Raw([.. Id("a"), 0, .. new byte[15]])));
        Assert.Equal("a", SessionEnvelope.ReadHeader(Raw([.. Id("a"), 0, .. new byte[16]])).Tid);
    }

    [Fact]
    public void An_envelope_above_the_limit_is_too_large()
    {
        var big = Sealed("gw1", null, new string('x', SessionEnvelope.DefaultMaxSize));
        Throws(ProtocolErrorCode.FrameTooLarge, () => SessionEnvelope.ReadHeader(big));
        Assert.Equal("gw1", SessionEnvelope.ReadHeader(big, big.Length).Tid);
        Throws(ProtocolErrorCode.FrameTooLarge, () => SessionEnvelope.ReadHeader(big, big.Length - 1));
    }

    [Fact]
    public void GetSealedSize_counts_header_ids_plaintext_and_tag()
    {
        Assert.Equal(35, SessionEnvelope.MinSize);
        Assert.Equal(19 + 3 + 10 + 16, SessionEnvelope.GetSealedSize(10, "abc", null));
        Assert.Equal(19 + 3 + 2 + 16, SessionEnvelope.GetSealedSize(0, "abc", "de"));
    }
}
