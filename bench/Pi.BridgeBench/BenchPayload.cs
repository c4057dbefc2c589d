using System.Buffers;
using System.Buffers.Binary;

namespace Pi.BridgeBench;

/// <summary>
/// The harness's payload: a 24-byte header and filler up to the requested size.
/// <code>
/// 0..4   magic "PiBB"
/// 4..8   publisher id (int32, little endian)
/// 8..16  sequence, 1-based per publisher (int64, little endian)
/// 16..24 send timestamp: Stopwatch.GetTimestamp() just before the publish (int64, little endian)
/// 24..   filler bytes (0x2E), up to the payload size
/// </code>
/// A target that transforms payloads (seals them, wraps them in JSON) must give the cloud side back
/// these bytes, or at least the header, to decode with <see cref="TryRead(ReadOnlySpan{byte}, out int, out long, out long)"/>.
/// </summary>
public static class BenchPayload
{
    /// <summary>Bytes of the header; the smallest payload.</summary>
    public const int HeaderSize = 24;

    /// <summary>Publisher id of the targets' own readiness probes (never counted).</summary>
    public const int ProbePublisherId = -1;

    private const uint Magic = 0x42426950; // "PiBB" read as little endian

    /// <summary>Writes a payload of <c>destination.Length</c> bytes (at least <see cref="HeaderSize"/>).</summary>
    public static void Write(Span<byte> destination, int publisherId, long sequence, long sentTimestamp)
    {
        if (destination.Length < HeaderSize)
        {
            throw new ArgumentException($"A payload has at least {HeaderSize} bytes.", nameof(destination));
        }
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], publisherId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], sentTimestamp);
        destination[HeaderSize..].Fill(0x2E);
    }

    /// <summary>A new payload of <paramref name="size"/> bytes.</summary>
    public static byte[] Create(int size, int publisherId, long sequence, long sentTimestamp)
    {
        var payload = new byte[size];
        Write(payload, publisherId, sequence, sentTimestamp);
        return payload;
    }

    /// <summary>Decodes the header; false when it is not a harness payload.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out int publisherId, out long sequence, out long sentTimestamp)
    {
        publisherId = 0;
        sequence = 0;
        sentTimestamp = 0;
        if (payload.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(payload) != Magic)
        {
            return false;
        }
        publisherId = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        sequence = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
        sentTimestamp = BinaryPrimitives.ReadInt64LittleEndian(payload[16..]);
        return true;
    }

    /// <summary>Decodes the header from an MQTTnet payload (possibly in several segments).</summary>
    public static bool TryRead(in ReadOnlySequence<byte> payload, out int publisherId, out long sequence, out long sentTimestamp)
    {
        if (payload.FirstSpan.Length >= HeaderSize)
        {
            return TryRead(payload.FirstSpan, out publisherId, out sequence, out sentTimestamp);
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        if (payload.Length < HeaderSize)
        {
            publisherId = 0;
            sequence = 0;
            sentTimestamp = 0;
            return false;
        }
        payload.Slice(0, HeaderSize).CopyTo(header);
        return TryRead(header, out publisherId, out sequence, out sentTimestamp);
    }
}
