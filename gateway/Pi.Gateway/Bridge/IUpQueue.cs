namespace Pi.Gateway.Bridge;

/// <summary>One record of the offline queue: its sequence number and the bytes the bridge stored.</summary>
public readonly record struct QueueRecord(long Seq, ReadOnlyMemory<byte> Data);

/// <summary>
/// The bridge's bounded, persistent offline queue of up-packets (docs/protocol.md, section 9, relay).
/// Every appended record gets the next sequence number of the queue's <see cref="Stream"/>; sequence
/// numbers only grow, also across restarts. Records stay until the cloud acknowledged them
/// (<see cref="AcknowledgeAsync"/>), so after a restart whatever was not acknowledged is delivered
/// again, in order, with the same sequence numbers. When full, the oldest records are dropped and
/// counted (<see cref="DroppedTotal"/>, <see cref="DroppedUnreported"/>). Safe for many concurrent
/// appenders and one reader.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: the protocol's offline queue.")]
public interface IUpQueue : IAsyncDisposable
{
    /// <summary>Identifier of this queue's sequence space ([A-Za-z0-9_-], at most 64); a new one after <see cref="WipeAsync"/>.</summary>
    string Stream { get; }

    /// <summary>Records waiting (appended, not yet acknowledged).</summary>
    long Count { get; }

    /// <summary>Records dropped because the queue was full, since this process opened the queue.</summary>
    long DroppedTotal { get; }

    /// <summary>Records dropped and not yet reported to the cloud (persisted: survives a restart).</summary>
    long DroppedUnreported { get; }

    /// <summary>The highest sequence number handed out so far (0 when none).</summary>
    long LastSeq { get; }

    /// <summary>Raised after appends, acknowledgements, drops and wipes (from any thread; keep handlers short).</summary>
    event Action? Changed;

    /// <summary>
    /// Appends one record and returns its sequence number. When the returned task completes the record
    /// is in the queue's files (written to the OS, so it survives a crash of the process; synced to the
    /// disk at the latest after the configured sync interval). Drops the oldest records when full.
    /// </summary>
    /// <exception cref="ArgumentException">The record is empty or larger than the queue allows.</exception>
    ValueTask<long> AppendAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken);

    /// <summary>
    /// The waiting records with a sequence number above <paramref name="afterSeq"/>, oldest first, at
    /// most <paramref name="maxItems"/> and (except for the first) <paramref name="maxBytes"/> bytes of
    /// data; waits until there is at least one. The memory of a returned record stays valid until the
    /// record is acknowledged or dropped.
    /// </summary>
    ValueTask<IReadOnlyList<QueueRecord>> ReadAsync(long afterSeq, int maxItems, int maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// The cloud handled every record up to <paramref name="throughSeq"/> and learnt of
    /// <paramref name="droppedReported"/> dropped records: both are removed from the queue (persisted).
    /// </summary>
    ValueTask AcknowledgeAsync(long throughSeq, long droppedReported, CancellationToken cancellationToken);

    /// <summary>Factory reset: every record is removed and a new <see cref="Stream"/> begins at sequence 1.</summary>
    ValueTask WipeAsync(CancellationToken cancellationToken);
}
