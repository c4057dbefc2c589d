namespace Pi.Gateway.Bridge.Queue;

/// <summary>One segment file and the index of the records in it (guarded by the queue's state lock).</summary>
internal sealed class QueueSegment(string path, long firstSeq)
{
    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <summary>The seq in the file's name: no record in it is below.</summary>
    public long FirstSeq { get; } = firstSeq;

    /// <summary>Bytes of valid content (header and whole records); the next record goes here.</summary>
    public long Length { get; set; }

    /// <summary>Every record in the file, oldest first; those before <see cref="Head"/> are removed.</summary>
    public List<QueueEntry> Entries { get; } = [];

    /// <summary>The first entry not yet removed (acknowledged or dropped).</summary>
    public int Head { get; set; }

    /// <summary>Open for appending: only the active (last) segment.</summary>
    public FileStream? Writer { get; set; }

    /// <summary>Deleted from disk (or about to be): readers holding it retry.</summary>
    public bool Deleted { get; set; }

    /// <summary>Why the scan at open refused it (then it is moved aside).</summary>
    public string? Problem { get; set; }

    /// <summary>How many seqs it covered that were waiting (counted as dropped when it is moved aside).</summary>
    public long Lost { get; set; }

    /// <summary>True when nothing in it is waiting.</summary>
    public bool IsDrained => Head >= Entries.Count;
}

/// <summary>
/// One record of a segment: where it is, and (while it is among the newest) its bytes, header and
/// data, so the reader need not read it back.
/// </summary>
internal struct QueueEntry
{
    /// <summary>Its seq.</summary>
    public long Seq;

    /// <summary>Where its header starts in the file.</summary>
    public long Offset;

    /// <summary>Header and data.</summary>
    public int Size;

    /// <summary>Read back corrupt: no longer waiting (counted as dropped).</summary>
    public bool Lost;

    /// <summary>Header and data while cached; null otherwise.</summary>
    public byte[]? Buffer;
}
