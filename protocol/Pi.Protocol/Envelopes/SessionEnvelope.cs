using System.Buffers.Binary;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Envelopes;

/// <summary>The authenticated header of a session envelope.</summary>
/// <param name="Direction">Who sent it to whom.</param>
/// <param name="KeyId">Which key sealed it (the sessionkey's id from the login reply, the link's id from the welcome, or the accesskey's id for a login).</param>
/// <param name="Counter">The AEAD counter.</param>
/// <param name="Tid">The gateway account, or null.</param>
/// <param name="Did">The sub-device account, or null.</param>
public readonly record struct EnvelopeHeader(Direction Direction, uint KeyId, ulong Counter, string? Tid, string? Did);

/// <summary>
/// The binary envelope for MQTT payloads and sealed HTTPS bodies. Layout, big-endian:
/// <code>
/// 0     2  magic "PE" (0x50 0x45)
/// 2     1  version (2)
/// 3     1  direction (3..6, see <see cref="Crypto.Direction"/>)
/// 4     1  flags (0; every bit reserved)
/// 5     4  key id
/// 9     8  counter
/// 17    1  tid length T (0..64)
/// 18    T  tid, ASCII [A-Za-z0-9_-]
/// 18+T  1  did length D (0..64)
/// 19+T  D  did, ASCII [A-Za-z0-9_-]
/// 19+T+D   ciphertext (AES-128-GCM)
/// end-16   tag
/// </code>
/// The associated data is the whole header (everything before the ciphertext), so direction, key
/// id, counter, tid and did are all authenticated. At least one of tid and did is present. The
/// nonce is <c>00 00 03 direction || counter</c>.
/// </summary>
public static class SessionEnvelope
{
    /// <summary>Magic bytes "PE".</summary>
    public const ushort Magic = 0x5045;

    /// <summary>The envelope version this implementation speaks.</summary>
    public const byte Version = 2;

    /// <summary>Size of the fixed part of the header (before the tid length).</summary>
    public const int FixedHeaderSize = 17;

    /// <summary>Offset of the counter.</summary>
    public const int CounterOffset = 9;

    /// <summary>Smallest envelope: fixed header, two empty id lengths... and a tag.</summary>
    public const int MinSize = FixedHeaderSize + 2 + AeadSealer.TagSize;

    /// <summary>Default largest envelope a receiver accepts.</summary>
    public const int DefaultMaxSize = 64 * 1024;

    /// <summary>Largest limit a receiver may configure.</summary>
    public const int MaxAllowedSize = 1024 * 1024;

    /// <summary>Reads and checks the header without opening the envelope (for routing and tools).</summary>
    /// <exception cref="ProtocolException">A malformed header.</exception>
    public static EnvelopeHeader ReadHeader(ReadOnlySpan<byte> envelope, int maxSize = DefaultMaxSize) =>
        Parse(envelope, maxSize, out _);

    /// <summary>Size of the envelope for <paramref name="plaintextLength"/> bytes and these ids.</summary>
    public static int GetSealedSize(int plaintextLength, string? tid, string? did) =>
        FixedHeaderSize + 2 + (tid?.Length ?? 0) + (did?.Length ?? 0) + plaintextLength + AeadSealer.TagSize;

    /// <summary>Parses the header; <paramref name="headerLength"/> is where the ciphertext starts.</summary>
    internal static EnvelopeHeader Parse(ReadOnlySpan<byte> envelope, int maxSize, out int headerLength)
    {
        if (envelope.Length > maxSize)
        {
            throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"an envelope of {envelope.Length} bytes exceeds the limit of {maxSize}");
        }
        if (envelope.Length < MinSize)
        {
            throw new ProtocolException(ProtocolErrorCode.Truncated, $"an envelope is at least {MinSize} bytes, got {envelope.Length}");
        }
        if (BinaryPrimitives.ReadUInt16BigEndian(envelope) != Magic)
        {
            throw new ProtocolException(ProtocolErrorCode.BadMagic, "not a session envelope (magic is not \"PE\")");
        }
        if (envelope[2] != Version)
        {
            throw new ProtocolException(ProtocolErrorCode.UnsupportedVersion, $"envelope version {envelope[2]} is not supported (this side speaks {Version})");
        }
        if (!Directions.IsDefined(envelope[3]) || envelope[3] < (byte)Direction.GatewayToCloud)
        {
            throw new ProtocolException(ProtocolErrorCode.WrongDirection, $"direction {envelope[3]} is not an envelope direction (3 to 6)");
        }
        if (envelope[4] != 0)
        {
            throw new ProtocolException(ProtocolErrorCode.ReservedFlags, $"reserved flag bits set (0x{envelope[4]:x2})");
        }
        var keyId = BinaryPrimitives.ReadUInt32BigEndian(envelope[5..]);
        var counter = BinaryPrimitives.ReadUInt64BigEndian(envelope[CounterOffset..]);
        var offset = FixedHeaderSize;
        var tid = ReadId(envelope, ref offset, "tid");
        var did = ReadId(envelope, ref offset, "did");
        if (tid is null && did is null)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidId, "an envelope names a tid, a did or both");
        }
        if (envelope.Length - offset < AeadSealer.TagSize)
        {
            throw new ProtocolException(ProtocolErrorCode.Truncated, "the envelope ends before its tag");
        }
        headerLength = offset;
        return new EnvelopeHeader((Direction)envelope[3], keyId, counter, tid, did);
    }

    /// <summary>Writes the header; returns its length. The counter is left for the sealer.</summary>
    internal static int WriteHeader(Span<byte> destination, Direction direction, uint keyId, string? tid, string? did)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, Magic);
        destination[2] = Version;
        destination[3] = (byte)direction;
        destination[4] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], keyId);
        destination.Slice(CounterOffset, 8).Clear();
        var offset = FixedHeaderSize;
        WriteId(destination, ref offset, tid);
        WriteId(destination, ref offset, did);
        return offset;
    }

    internal static void CheckIds(string? tid, string? did)
    {
        if (tid is null && did is null)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidId, "an envelope names a tid, a did or both");
        }
        if (tid is not null)
        {
            Identifiers.Require(tid, "tid");
        }
        if (did is not null)
        {
            Identifiers.Require(did, "did");
        }
    }

    private static string? ReadId(ReadOnlySpan<byte> envelope, ref int offset, string field)
    {
        if (offset >= envelope.Length)
        {
            throw new ProtocolException(ProtocolErrorCode.Truncated, $"the envelope ends before its {field} length");
        }
        var length = envelope[offset++];
        if (length == 0)
        {
            return null;
        }
        if (length > Identifiers.MaxLength)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidId, $"a {field} is at most {Identifiers.MaxLength} bytes, the header says {length}");
        }
        if (envelope.Length - offset < length)
        {
            throw new ProtocolException(ProtocolErrorCode.Truncated, $"the envelope ends inside its {field}");
        }
        var bytes = envelope.Slice(offset, length);
        if (!Identifiers.IsValid(bytes))
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidId, $"the {field} has characters outside [A-Za-z0-9_-]");
        }
        offset += length;
        return Encoding.ASCII.GetString(bytes);
    }

    private static void WriteId(Span<byte> destination, ref int offset, string? id)
    {
        var length = id?.Length ?? 0;
        destination[offset++] = (byte)length;
        if (length > 0)
        {
            offset += Encoding.ASCII.GetBytes(id, destination[offset..]);
        }
    }
}
