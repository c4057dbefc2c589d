namespace Pi.Gateway.Bridge.Queue;

/// <summary>
/// The bridge's offline queue (section <c>Bridge:Queue</c>); every member is optional:
/// <code>
/// "Bridge": { "Queue": { "Directory": "/var/lib/pi-gateway/queue", "MaxItems": 100000, "MaxBytes": 67108864,
///   "MaxRecordSize": 66560, "SyncInterval": "00:00:01", "SegmentSize": 4194304, "MaxCacheBytes": 4194304 } }
/// </code>
/// </summary>
public sealed class UpQueueOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Bridge:Queue";

    /// <summary>The directory's name under the gateway's data directory when <see cref="Directory"/> is not set.</summary>
    public const string DefaultDirectoryName = "queue";

    /// <summary>Largest allowed <see cref="MaxRecordSize"/> (16 MiB) and <see cref="SegmentSize"/> (1 GiB).</summary>
    public const int MaxRecordSizeBound = 16 * 1024 * 1024, MaxSegmentSizeBound = 1024 * 1024 * 1024;

    /// <summary>Smallest allowed <see cref="SegmentSize"/> (4 KiB).</summary>
    public const int MinSegmentSizeBound = 4 * 1024;

    /// <summary>The directory holding the queue's files (mode 0700); empty means <c>&lt;State:DataDirectory&gt;/queue</c>.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Records waiting at most; beyond it the oldest are dropped (and counted).</summary>
    public int MaxItems { get; set; } = 100_000;

    /// <summary>Bytes of waiting records at most (each counted with its 16-byte header); beyond it the oldest are dropped.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The largest record accepted (bytes of data). A sealed 64 KiB packet with room for its envelope.</summary>
    public int MaxRecordSize { get; set; } = 64 * 1024 + 1024;

    /// <summary>
    /// How long a written record may stay in the OS's page cache before an fsync (a power cut loses at
    /// most this much). <see cref="TimeSpan.Zero"/>: every append is on disk before it completes.
    /// </summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A segment file is closed and a new one begun once it would grow past this size.</summary>
    public int SegmentSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Bytes of the newest records kept in memory so the reader need not read them back from disk.</summary>
    public int MaxCacheBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>What is wrong with these options (empty when nothing).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory) || !Path.IsPathFullyQualified(Directory))
        {
            errors.Add($"{SectionName}:Directory must be an absolute path");
        }
        if (MaxItems < 1)
        {
            errors.Add($"{SectionName}:MaxItems must be at least 1");
        }
        if (MaxRecordSize is < 1 or > MaxRecordSizeBound)
        {
            errors.Add($"{SectionName}:MaxRecordSize must be between 1 and {MaxRecordSizeBound}");
        }
        if (MaxBytes < (long)MaxRecordSize + QueueFormat.RecordHeaderSize)
        {
            errors.Add($"{SectionName}:MaxBytes must hold at least one record of MaxRecordSize (and its {QueueFormat.RecordHeaderSize}-byte header)");
        }
        if (SegmentSize is < MinSegmentSizeBound or > MaxSegmentSizeBound)
        {
            errors.Add($"{SectionName}:SegmentSize must be between {MinSegmentSizeBound} and {MaxSegmentSizeBound}");
        }
        else if ((long)SegmentSize < (long)MaxRecordSize + QueueFormat.RecordHeaderSize + QueueFormat.MaxSegmentHeaderSize)
        {
            errors.Add($"{SectionName}:SegmentSize must hold at least one record of MaxRecordSize");
        }
        if (SyncInterval < TimeSpan.Zero || SyncInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{SectionName}:SyncInterval must be between 00:00:00 and 01:00:00");
        }
        if (MaxCacheBytes < 0)
        {
            errors.Add($"{SectionName}:MaxCacheBytes must not be negative");
        }
        return errors;
    }
}
