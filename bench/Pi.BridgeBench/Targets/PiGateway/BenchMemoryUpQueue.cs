using Pi.Gateway.Bridge;

namespace Pi.BridgeBench.Targets.PiGateway;

/// <summary>
/// The offline queue in memory: the contract of <see cref="IUpQueue"/> (sequence numbers, records
/// kept until acknowledged, <see cref="Changed"/>) without files, unbounded (nothing is ever
/// dropped), as the gateway's bridge tests use until the file queue is merged. Unlike the tests'
/// list it reads and acknowledges from the head in O(items), so a backlog of 100,000 records does
/// not make every relay cost a scan of the whole queue.
/// </summary>
/// <remarks>
/// What it leaves out compared with the real file queue: the write of every record to the OS (and
/// the periodic sync), CRC checks, segment files, drop-oldest bounds. The Pi figures with this
/// queue are therefore a little optimistic for the gateway's own CPU.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is the offline queue.")]
internal sealed class BenchMemoryUpQueue : IUpQueue
{
    private readonly Lock _gate = new();
    private readonly Queue<QueueRecord> _records = new();
    private TaskCompletionSource? _waiter;
    private long _last;
    private string _stream = "q-bench-memory";

    public string Stream
    {
        get
        {
            lock (_gate)
            {
                return _stream;
            }
        }
    }

    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    public long DroppedTotal => 0;

    public long DroppedUnreported => 0;

    public long LastSeq => Interlocked.Read(ref _last);

    public event Action? Changed;

    public ValueTask<long> AppendAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        if (record.IsEmpty)
        {
            throw new ArgumentException("A record is not empty.", nameof(record));
        }
        long seq;
        TaskCompletionSource? waiter;
        var copy = record.ToArray();
        lock (_gate)
        {
            seq = Interlocked.Increment(ref _last);
            _records.Enqueue(new QueueRecord(seq, copy));
            waiter = _waiter;
            _waiter = null;
        }
        waiter?.TrySetResult();
        Changed?.Invoke();
        return ValueTask.FromResult(seq);
    }

    public async ValueTask<IReadOnlyList<QueueRecord>> ReadAsync(long afterSeq, int maxItems, int maxBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                List<QueueRecord>? batch = null;
                var bytes = 0;
                foreach (var r in _records)
                {
                    if (r.Seq <= afterSeq)
                    {
                        continue;
                    }
                    batch ??= new List<QueueRecord>(Math.Min(maxItems, _records.Count));
                    if (batch.Count == maxItems || (batch.Count > 0 && bytes + r.Data.Length > maxBytes))
                    {
                        break;
                    }
                    batch.Add(r);
                    bytes += r.Data.Length;
                }
                if (batch is { Count: > 0 })
                {
                    return batch;
                }
                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask AcknowledgeAsync(long throughSeq, long droppedReported, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            while (_records.TryPeek(out var head) && head.Seq <= throughSeq)
            {
                _records.Dequeue();
            }
        }
        Changed?.Invoke();
        return ValueTask.CompletedTask;
    }

    public ValueTask WipeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _records.Clear();
            Interlocked.Exchange(ref _last, 0);
            _stream = "q-bench-memory-" + Guid.NewGuid().ToString("N")[..8];
        }
        Changed?.Invoke();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
