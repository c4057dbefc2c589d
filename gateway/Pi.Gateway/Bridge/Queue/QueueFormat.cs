using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Pi.Gateway.Bridge.Queue;

/// <summary>
/// The queue's bytes on disk (all integers little-endian).
/// <para>A segment file <c>&lt;first seq, 20 digits&gt;.seg</c> starts with a header: <c>"PiUQ"</c>, a version
/// byte (1), the stream id's length n (1..64) and its n ASCII bytes, and a CRC-32 of those 6 + n bytes.
/// Records follow back to back, each a 16-byte header (u32 data length, i64 seq, u32 CRC-32 of the
/// length, the seq and the data) and the data. Seqs grow strictly within a segment and from one
/// segment to the next.</para>
/// <para><c>meta.json</c> (written atomically) holds the stream id, the acknowledged seq, the seq through
/// which every record is gone (acknowledged or dropped), the highest seq handed out when it was written
/// and the count of drops not yet reported.</para>
/// </summary>
internal static class QueueFormat
{
    /// <summary>Bytes before a record's data.</summary>
    public const int RecordHeaderSize = 16;

    /// <summary>The longest segment header (a 64-character stream id).</summary>
    public const int MaxSegmentHeaderSize = 6 + MaxStreamLength + 4;

    /// <summary>The longest stream id.</summary>
    public const int MaxStreamLength = 64;

    /// <summary>The meta file's name.</summary>
    public const string MetaFileName = "meta.json";

    /// <summary>A segment file's extension.</summary>
    public const string SegmentExtension = ".seg";

    /// <summary>The meta file's format version.</summary>
    public const int MetaVersion = 1;

    /// <summary>A meta file larger than this is corrupt.</summary>
    public const int MaxMetaBytes = 4096;

    private const byte SegmentVersion = 1;
    private static ReadOnlySpan<byte> Magic => "PiUQ"u8;

    /// <summary>A new random stream id: <c>q-</c> and 16 hex digits.</summary>
    public static string NewStreamId() => "q-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>True for a stream id the interface allows ([A-Za-z0-9_-], 1..64).</summary>
    public static bool IsValidStreamId(string? stream) =>
        stream is { Length: > 0 and <= MaxStreamLength } && stream.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>The file name of the segment whose first record has <paramref name="firstSeq"/>.</summary>
    public static string SegmentFileName(long firstSeq) => firstSeq.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension;

    /// <summary>The first seq a segment file's name gives, or null when it is not a segment's name.</summary>
    public static long? ParseSegmentFileName(string name)
    {
        if (name.Length != 20 + SegmentExtension.Length || !name.EndsWith(SegmentExtension, StringComparison.Ordinal))
        {
            return null;
        }
        return long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0 ? seq : null;
    }

    /// <summary>A segment header for <paramref name="stream"/>.</summary>
    public static byte[] SegmentHeader(string stream)
    {
        var header = new byte[6 + stream.Length + 4];
        Magic.CopyTo(header);
        header[4] = SegmentVersion;
        header[5] = (byte)stream.Length;
        Encoding.ASCII.GetBytes(stream, header.AsSpan(6));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(6 + stream.Length), Crc32.HashToUInt32(header.AsSpan(0, 6 + stream.Length)));
        return header;
    }

    /// <summary>Reads a segment header from the start of <paramref name="bytes"/>: its stream and length, or a problem.</summary>
    public static (string? Stream, int Length, string? Problem) ReadSegmentHeader(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 6)
        {
            return (null, 0, "the segment header is cut short");
        }
        if (!bytes[..4].SequenceEqual(Magic) || bytes[4] != SegmentVersion)
        {
            return (null, 0, "the segment header is not a queue segment's (or of an unknown version)");
        }
        var n = bytes[5];
        if (n is 0 or > MaxStreamLength)
        {
            return (null, 0, "the segment header's stream length is out of range");
        }
        if (bytes.Length < 6 + n + 4)
        {
            return (null, 0, "the segment header is cut short");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes[(6 + n)..]) != Crc32.HashToUInt32(bytes[..(6 + n)]))
        {
            return (null, 0, "the segment header's CRC does not match");
        }
        var stream = Encoding.ASCII.GetString(bytes.Slice(6, n));
        return IsValidStreamId(stream) ? (stream, 6 + n + 4, null) : (null, 0, "the segment header's stream id has characters a stream id cannot have");
    }

    /// <summary>Fills in the header of a record buffer (header + data) for <paramref name="seq"/>: length, seq and CRC.</summary>
    public static void SealRecord(Span<byte> record, long seq)
    {
        BinaryPrimitives.WriteInt32LittleEndian(record, record.Length - RecordHeaderSize);
        BinaryPrimitives.WriteInt64LittleEndian(record[4..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(record[12..], Checksum(record));
    }

    /// <summary>A record header's data length and seq (unchecked).</summary>
    public static (int Length, long Seq) ReadRecordHeader(ReadOnlySpan<byte> header) =>
        ((int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(header), int.MaxValue), BinaryPrimitives.ReadInt64LittleEndian(header[4..]));

    /// <summary>True when a whole record (header + data)'s CRC matches.</summary>
    public static bool ChecksumMatches(ReadOnlySpan<byte> record) =>
        BinaryPrimitives.ReadUInt32LittleEndian(record[12..]) == Checksum(record);

    private static uint Checksum(ReadOnlySpan<byte> record)
    {
        var crc = new Crc32();
        crc.Append(record[..12]);
        crc.Append(record[RecordHeaderSize..]);
        return crc.GetCurrentHashAsUInt32();
    }
}

/// <summary>meta.json: the queue's stream and how far it was acknowledged.</summary>
/// <param name="Version">The format, 1.</param>
/// <param name="Stream">The stream id.</param>
/// <param name="AcknowledgedSeq">The highest seq the cloud acknowledged.</param>
/// <param name="RemovedThroughSeq">Every record up to this seq is gone (acknowledged or dropped); at least <paramref name="AcknowledgedSeq"/>.</param>
/// <param name="LastSeq">The highest seq handed out when the file was written (seqs continue above it).</param>
/// <param name="DroppedUnreported">Dropped records the cloud has not been told of.</param>
internal sealed record QueueMetaFile(int Version, string Stream, long AcknowledgedSeq, long RemovedThroughSeq, long LastSeq, long DroppedUnreported)
{
    /// <summary>What is wrong with the values (null when nothing).</summary>
    public string? Problem() =>
        Version != QueueFormat.MetaVersion ? $"version {Version} is not {QueueFormat.MetaVersion}"
        : !QueueFormat.IsValidStreamId(Stream) ? "the stream id is not valid"
        : AcknowledgedSeq < 0 || RemovedThroughSeq < AcknowledgedSeq || LastSeq < RemovedThroughSeq ? "the seqs are out of order (need 0 <= acknowledgedSeq <= removedThroughSeq <= lastSeq)"
        : DroppedUnreported < 0 ? "droppedUnreported is negative"
        : null;
}

/// <summary>Strict source-generated JSON for meta.json (same rules as the state files).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    MaxDepth = 4)]
[JsonSerializable(typeof(QueueMetaFile))]
internal sealed partial class QueueJsonContext : JsonSerializerContext;
