using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Framing;

public sealed class Provisioning_Frame_Parse_Tests
{
    [Fact]
    public void Reads_every_header_field_of_a_frame_with_a_public_key()
    {
        var bytes = RawFrame(type: 2, flags: 1, sender: 2, sequence: 0x0102030405060708, payloadLength: 65, dataLength: 20);
        var frame = ProvisioningFrame.Parse(bytes);
        Assert.Equal(ProvisioningFrameType.DeviceInfo, frame.Type);
        Assert.Equal(ProvisioningFrameFlags.OpenMode, frame.Flags);
        Assert.Equal(ProvisioningRole.Gateway, frame.Sender);
        Assert.Equal(0x0102030405060708UL, frame.Sequence);
        Assert.Equal(65, frame.PayloadLength);
        Assert.Equal(bytes[18..83], frame.PublicKey.ToArray());
        Assert.Equal(bytes[..83], frame.AssociatedData.ToArray());
        Assert.Equal(bytes[83..87], frame.Ciphertext.ToArray());
        Assert.Equal(bytes[87..], frame.Tag.ToArray());
        Assert.Equal(bytes, frame.Bytes.ToArray());
    }

    [Fact]
    public void Reads_a_frame_without_payload_and_with_a_bare_tag()
    {
        var bytes = RawFrame(payloadLength: 0, dataLength: 16);
        Assert.Equal(ProvisioningFrame.MinSize, bytes.Length);
        var frame = ProvisioningFrame.Parse(bytes);
        Assert.Equal(0, frame.PayloadLength);
        Assert.True(frame.PublicKey.IsEmpty);
        Assert.True(frame.Ciphertext.IsEmpty);
        Assert.Equal(16, frame.Tag.Length);
        Assert.Equal(18, frame.AssociatedData.Length);
    }

    [Fact]
    public void Copies_the_input()
    {
        var bytes = RawFrame(sequence: 5);
        var frame = ProvisioningFrame.Parse(bytes);
        bytes[13] = 99;
        Assert.Equal(5UL, frame.Sequence);
        Assert.Equal(5, frame.Bytes[13]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    public void Accepts_every_defined_frame_type(byte type) =>
        Assert.Equal((ProvisioningFrameType)type, ProvisioningFrame.Parse(RawFrame(type: type)).Type);

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(33)]
    public void Fewer_bytes_than_a_minimal_frame_are_truncated(int length) =>
        Throws(ProtocolErrorCode.Truncated, () => ProvisioningFrame.Parse(RawFrame().AsSpan(0, length)));

    [Theory]
    [InlineData((ushort)0x5045)] // "PE", an envelope
    [InlineData((ushort)0x4750)]
    [InlineData((ushort)0x0000)]
    public void Other_magic_is_bad_magic(ushort magic) =>
        Throws(ProtocolErrorCode.BadMagic, () => ProvisioningFrame.Parse(RawFrame(magic: magic)));

    [Theory]
    [InlineData((byte)0)]
    [InlineData((byte)1)]
    [InlineData((byte)3)]
    [InlineData((byte)255)]
    public void Other_versions_are_unsupported(byte version) =>
        Throws(ProtocolErrorCode.UnsupportedVersion, () => ProvisioningFrame.Parse(RawFrame(version: version)));

    [Theory]
    [InlineData((byte)0)]
    [InlineData((byte)12)]
    [InlineData((byte)255)]
    public void Undefined_frame_types_are_unknown(byte type) =>
        Throws(ProtocolErrorCode.UnknownFrameType, () => ProvisioningFrame.Parse(RawFrame(type: type)));

    [Theory]
    [InlineData((byte)0x02)]
    [InlineData((byte)0x03)]
    [InlineData((byte)0x80)]
    [InlineData((byte)0xFF)]
    public void Reserved_flag_bits_are_refused(byte flags) =>
        Throws(ProtocolErrorCode.ReservedFlags, () => ProvisioningFrame.Parse(RawFrame(flags: flags)));

    [Theory]
    [InlineData((byte)0)]
    [InlineData((byte)3)]
    [InlineData((byte)255)]
    public void An_unknown_sender_is_an_unexpected_frame(byte sender) =>
        Throws(ProtocolErrorCode.UnexpectedFrame, () => ProvisioningFrame.Parse(RawFrame(sender: sender)));

    [Theory]
    [InlineData((ushort)1)]
    [InlineData((ushort)33)]
    [InlineData((ushort)64)]
    [InlineData((ushort)66)]
    public void A_payload_that_is_neither_empty_nor_a_public_key_is_a_length_mismatch(ushort payloadLength) =>
        Throws(ProtocolErrorCode.LengthMismatch, () => ProvisioningFrame.Parse(RawFrame(payloadLength: payloadLength, dataLength: 16)));

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)15)]
    public void A_data_region_shorter_than_a_tag_is_a_length_mismatch(ushort dataLength) =>
        Throws(ProtocolErrorCode.LengthMismatch, () => ProvisioningFrame.Parse(RawFrame(dataLength: dataLength, dataBytes: 16)));

    [Fact]
    public void An_announced_length_longer_than_the_bytes_is_truncated()
    {
        Throws(ProtocolErrorCode.Truncated, () => ProvisioningFrame.Parse(RawFrame(dataLength: 20, dataBytes: 19)));
        Throws(ProtocolErrorCode.Truncated, () => ProvisioningFrame.Parse(RawFrame(payloadLength: 65, payloadBytes: 0, dataLength: 16, dataBytes: 70)));
    }

    [Fact]
    public void An_announced_length_shorter_than_the_bytes_is_a_length_mismatch()
    {
        Throws(ProtocolErrorCode.LengthMismatch, () => ProvisioningFrame.Parse(RawFrame(dataLength: 20, dataBytes: 21)));
        Throws(ProtocolErrorCode.LengthMismatch, () => ProvisioningFrame.Parse(RawFrame(payloadLength: 0, payloadBytes: 65, dataLength: 16)));
    }

    [Fact]
    public void A_frame_larger_than_the_limit_is_too_large()
    {
        var datagram = RawFrame(dataLength: ProvisioningFrame.MaxDatagramSize - 18);
        Assert.Equal(ProvisioningFrame.MaxDatagramSize, ProvisioningFrame.Parse(datagram).Bytes.Length);
        Throws(ProtocolErrorCode.FrameTooLarge, () => ProvisioningFrame.Parse(RawFrame(dataLength: ProvisioningFrame.MaxDatagramSize - 17)));
        Throws(ProtocolErrorCode.FrameTooLarge, () => ProvisioningFrame.Parse(RawFrame(dataLength: 100), maxFrameSize: 117));
        Assert.Equal(118, ProvisioningFrame.Parse(RawFrame(dataLength: 100), maxFrameSize: 118).Bytes.Length);
    }

    [Fact]
    public void Size_is_checked_before_anything_else()
    {
        var garbage = new byte[2000];
        Throws(ProtocolErrorCode.FrameTooLarge, () => ProvisioningFrame.Parse(garbage));
    }

    [Theory]
    [InlineData((byte)0x00)]
    [InlineData((byte)0x02)]
    [InlineData((byte)0x03)]
    [InlineData((byte)0x06)]
    public void A_payload_that_does_not_start_with_0x04_is_an_invalid_public_key(byte first)
    {
        var bytes = RawFrame(payloadLength: 65);
        bytes[18] = first;
        Throws(ProtocolErrorCode.InvalidPublicKey, () => ProvisioningFrame.Parse(bytes));
    }

    [Fact]
    public void The_largest_stream_frame_fits_the_16_bit_data_length()
    {
        var bytes = RawFrame(payloadLength: 65, dataLength: ushort.MaxValue);
        Assert.Equal(ProvisioningFrame.MaxStreamFrameSize, bytes.Length);
        Assert.Equal(ushort.MaxValue - 16, ProvisioningFrame.Parse(bytes, ProvisioningFrame.MaxStreamFrameSize).Ciphertext.Length);
    }

    [Fact]
    public void A_sealed_frame_parses_back_to_its_header()
    {
        using var pair = EphemeralKeyPair.Generate();
        var bytes = SealRawFrame(Key(1), ProvisioningRole.Gateway, ProvisioningFrameType.DeviceInfo, Utf8("{}"), pair.PublicKey, ProvisioningFrameFlags.OpenMode, NonceChannel.ProvisioningDatagram, counter: 77);
        var frame = ProvisioningFrame.Parse(bytes);
        Assert.Equal(77UL, frame.Sequence);
        Assert.Equal(pair.PublicKey.ToArray(), frame.PublicKey.ToArray());
        Assert.Equal(2, frame.Ciphertext.Length);
    }
}
