using System.Buffers.Binary;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Framing;

/// <summary>
/// A parsed but not yet authenticated provisioning frame: header, payload region (a public key or
/// nothing) and data region (ciphertext and tag). Layout, big-endian:
/// <code>
/// 0   2  magic "PG" (0x50 0x47)
/// 2   1  version (2)
/// 3   1  frame type
/// 4   1  flags (bit 0 open mode; other bits 0)
/// 5   1  sender (1 APP, 2 gateway)
/// 6   8  sequence = AEAD counter
/// 14  2  payload length P (0 or 65)
/// 16  2  data length D (at least 16)
/// 18  P  payload: uncompressed P-256 public key
/// 18+P D data: AES-128-GCM ciphertext || 16-byte tag
/// </code>
/// The associated data of the seal is everything before the data region.
/// </summary>
public sealed class ProvisioningFrame
{
    /// <summary>The magic bytes "PG".</summary>
    public const ushort Magic = 0x5047;

    /// <summary>The frame version this implementation speaks.</summary>
    public const byte Version = 2;

    /// <summary>Size of the fixed header.</summary>
    public const int HeaderSize = 18;

    /// <summary>Offset of the 8-byte sequence in the header.</summary>
    public const int SequenceOffset = 6;

    /// <summary>The smallest valid frame: a header and a bare tag.</summary>
    public const int MinSize = HeaderSize + AeadSealer.TagSize;

    /// <summary>Largest frame sent as one UDP datagram (fits a 1500-byte MTU with IP and UDP headers).</summary>
    public const int MaxDatagramSize = 1400;

    /// <summary>Default largest frame on the TCP stream.</summary>
    public const int DefaultMaxStreamFrameSize = 16 * 1024;

    /// <summary>Largest stream frame any receiver may allow (the data length field is 16 bits).</summary>
    public const int MaxStreamFrameSize = HeaderSize + EphemeralKeyPair.PublicKeySize + ushort.MaxValue;

    private readonly byte[] _bytes;

    private ProvisioningFrame(byte[] bytes, ProvisioningFrameType type, ProvisioningFrameFlags flags, ProvisioningRole sender, ulong sequence, int payloadLength)
    {
        _bytes = bytes;
        Type = type;
        Flags = flags;
        Sender = sender;
        Sequence = sequence;
        PayloadLength = payloadLength;
    }

    /// <summary>The frame type.</summary>
    public ProvisioningFrameType Type { get; }

    /// <summary>The header flags.</summary>
    public ProvisioningFrameFlags Flags { get; }

    /// <summary>Who claims to have sent the frame (authenticated only after opening).</summary>
    public ProvisioningRole Sender { get; }

    /// <summary>The sequence number, which is the AEAD counter.</summary>
    public ulong Sequence { get; }

    /// <summary>Length of the payload region: 0 or 65.</summary>
    public int PayloadLength { get; }

    /// <summary>The public key in the payload region, or empty.</summary>
    public ReadOnlySpan<byte> PublicKey => _bytes.AsSpan(HeaderSize, PayloadLength);

    /// <summary>The bytes the seal authenticates: header and payload region.</summary>
    public ReadOnlySpan<byte> AssociatedData => _bytes.AsSpan(0, HeaderSize + PayloadLength);

    /// <summary>The ciphertext without the tag.</summary>
    public ReadOnlySpan<byte> Ciphertext => _bytes.AsSpan(HeaderSize + PayloadLength, _bytes.Length - HeaderSize - PayloadLength - AeadSealer.TagSize);

    /// <summary>The 16-byte tag.</summary>
    public ReadOnlySpan<byte> Tag => _bytes.AsSpan(_bytes.Length - AeadSealer.TagSize);

    /// <summary>The whole frame as received.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Parses one frame (a datagram, or a stream frame without its length prefix).</summary>
    /// <param name="bytes">Exactly one frame.</param>
    /// <param name="maxFrameSize">Largest frame the caller accepts.</param>
    /// <exception cref="ProtocolException">Any malformed header or length.</exception>
    public static ProvisioningFrame Parse(ReadOnlySpan<byte> bytes, int maxFrameSize = MaxDatagramSize)
    {
        Validate(bytes, maxFrameSize, out var type, out var flags, out var sender, out var sequence, out var payloadLength);
        // Validate bounded the length, so copying now allocates at most maxFrameSize bytes.
        return new ProvisioningFrame(bytes.ToArray(), type, flags, sender, sequence, payloadLength);
    }

    /// <summary>Parses a frame the caller hands over (no copy); used by the stream decoder.</summary>
    internal static ProvisioningFrame ParseOwned(byte[] bytes, int maxFrameSize)
    {
        Validate(bytes, maxFrameSize, out var type, out var flags, out var sender, out var sequence, out var payloadLength);
        return new ProvisioningFrame(bytes, type, flags, sender, sequence, payloadLength);
    }

    /// <summary>
    /// Encodes and seals one frame with <paramref name="sealer"/>, which supplies the sequence (so no
    /// counter is ever used twice): the bare frame for a datagram, or the 4-byte length and the frame
    /// for the stream. It checks the layout (public key shape, size limits) but not who may send
    /// what; parties use <see cref="ProvisioningChannel"/>, which does. Tools and test vectors use
    /// this to produce a single frame at a chosen sequence.
    /// </summary>
    /// <exception cref="ArgumentException">The sealer's nonce prefix is not the one of this sender and transport.</exception>
    /// <exception cref="ProtocolException"><see cref="ProtocolErrorCode.InvalidPublicKey"/>, <see cref="ProtocolErrorCode.FrameTooLarge"/>, or the sealer's counter errors.</exception>
    public static byte[] Encode(
        AeadSealer sealer,
        ProvisioningTransport transport,
        ProvisioningFrameType type,
        ProvisioningFrameFlags flags,
        ProvisioningRole sender,
        ReadOnlySpan<byte> publicKey,
        ReadOnlySpan<byte> plaintext,
        int maxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(sealer);
        var channel = transport == ProvisioningTransport.Datagram ? NonceChannel.ProvisioningDatagram : NonceChannel.ProvisioningStream;
        var direction = sender == ProvisioningRole.App ? Direction.AppToGateway : Direction.GatewayToApp;
        if (sealer.NoncePrefix != Nonce.Prefix(channel, direction))
        {
            throw new ArgumentException($"the sealer's nonce prefix is not the one of the {sender} on the {transport}", nameof(sealer));
        }
        if (publicKey.Length != 0 && (publicKey.Length != EphemeralKeyPair.PublicKeySize || publicKey[0] != 0x04))
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidPublicKey, "a public key is 65 bytes starting with 0x04");
        }
        var frameLength = HeaderSize + publicKey.Length + plaintext.Length + AeadSealer.TagSize;
        if (frameLength > maxFrameSize)
        {
            throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"a frame of {frameLength} bytes exceeds the limit of {maxFrameSize}");
        }
        if (plaintext.Length + AeadSealer.TagSize > ushort.MaxValue)
        {
            // A limit may allow more (it counts the 65-byte payload region), but the data length field is 16 bits.
            throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"the data region of a frame is at most {ushort.MaxValue} bytes");
        }
        var prefix = transport == ProvisioningTransport.Stream ? StreamFrameDecoder.LengthPrefixSize : 0;
        var output = new byte[prefix + frameLength];
        if (prefix > 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(output, (uint)frameLength);
        }
        var frame = output.AsSpan(prefix);
        var aadLength = WriteHeader(frame, type, flags, sender, publicKey, plaintext.Length + AeadSealer.TagSize);
        sealer.Seal(frame, SequenceOffset, aadLength, plaintext);
        return output;
    }

    /// <summary>
    /// Writes a header into <paramref name="frame"/> (sequence left for the sealer). Returns the
    /// associated-data length (header plus payload).
    /// </summary>
    internal static int WriteHeader(Span<byte> frame, ProvisioningFrameType type, ProvisioningFrameFlags flags, ProvisioningRole sender, ReadOnlySpan<byte> publicKey, int sealedLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(frame, Magic);
        frame[2] = Version;
        frame[3] = (byte)type;
        frame[4] = (byte)flags;
        frame[5] = (byte)sender;
        frame.Slice(SequenceOffset, 8).Clear();
        BinaryPrimitives.WriteUInt16BigEndian(frame[14..], (ushort)publicKey.Length);
        BinaryPrimitives.WriteUInt16BigEndian(frame[16..], checked((ushort)sealedLength));
        publicKey.CopyTo(frame[HeaderSize..]);
        return HeaderSize + publicKey.Length;
    }

    private static void Validate(ReadOnlySpan<byte> bytes, int maxFrameSize, out ProvisioningFrameType type, out ProvisioningFrameFlags flags, out ProvisioningRole sender, out ulong sequence, out int payloadLength)
    {
        if (bytes.Length > maxFrameSize)
        {
            throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"a frame of {bytes.Length} bytes exceeds the limit of {maxFrameSize}");
        }
        if (bytes.Length < MinSize)
        {
            throw new ProtocolException(ProtocolErrorCode.Truncated, $"a frame is at least {MinSize} bytes, got {bytes.Length}");
        }
        if (BinaryPrimitives.ReadUInt16BigEndian(bytes) != Magic)
        {
            throw new ProtocolException(ProtocolErrorCode.BadMagic, "not a provisioning frame (magic is not \"PG\")");
        }
        if (bytes[2] != Version)
        {
            throw new ProtocolException(ProtocolErrorCode.UnsupportedVersion, $"frame version {bytes[2]} is not supported (this side speaks {Version})");
        }
        if (bytes[3] is < (byte)ProvisioningFrameType.SearchDevice or > (byte)ProvisioningFrameType.SubDeviceAck)
        {
            throw new ProtocolException(ProtocolErrorCode.UnknownFrameType, $"frame type {bytes[3]} is not defined");
        }
        if ((bytes[4] & ~(byte)ProvisioningFrameFlags.OpenMode) != 0)
        {
            throw new ProtocolException(ProtocolErrorCode.ReservedFlags, $"reserved flag bits set (0x{bytes[4]:x2})");
        }
        if (bytes[5] is not ((byte)ProvisioningRole.App or (byte)ProvisioningRole.Gateway))
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, $"sender {bytes[5]} is neither the APP (1) nor the gateway (2)");
        }
        payloadLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[14..]);
        if (payloadLength is not (0 or EphemeralKeyPair.PublicKeySize))
        {
            throw new ProtocolException(ProtocolErrorCode.LengthMismatch, $"the payload region holds a 65-byte public key or nothing, not {payloadLength} bytes");
        }
        var dataLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[16..]);
        if (dataLength < AeadSealer.TagSize)
        {
            throw new ProtocolException(ProtocolErrorCode.LengthMismatch, "the data region is shorter than a tag");
        }
        var expected = HeaderSize + payloadLength + dataLength;
        if (expected != bytes.Length)
        {
            throw new ProtocolException(
                expected > bytes.Length ? ProtocolErrorCode.Truncated : ProtocolErrorCode.LengthMismatch,
                $"the header announces {expected} bytes but the frame has {bytes.Length}");
        }
        if (payloadLength != 0 && bytes[HeaderSize] != 0x04)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidPublicKey, "the payload region is not an uncompressed public key");
        }
        type = (ProvisioningFrameType)bytes[3];
        flags = (ProvisioningFrameFlags)bytes[4];
        sender = (ProvisioningRole)bytes[5];
        sequence = BinaryPrimitives.ReadUInt64BigEndian(bytes[SequenceOffset..]);
    }
}
