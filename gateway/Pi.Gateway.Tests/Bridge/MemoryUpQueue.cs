using Pi.Gateway.Bridge;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>A test-only queue (until the file queue is wired): same contract, no disk.</summary>
internal sealed class MemoryUpQueue : IUpQueue
{
    private readonly Lock _gate = new();
    private readonly List<QueueRecord> _records = [];
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _last;

    public string Stream { get; private set; } = "q-memory";

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
        long seq;
        TaskCompletionSource signal;
        lock (_gate)
        {
            seq = ++_last;
            _records.Add(new QueueRecord(seq, record.ToArray()));
            signal = _signal;
            _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        signal.TrySetResult();
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
                var batch = new List<QueueRecord>();
                var bytes = 0;
                foreach (var r in _records.Where(r => r.Seq > afterSeq))
                {
                    if (batch.Count == maxItems || (batch.Count > 0 && bytes + r.Data.Length > maxBytes))
                    {
                        break;
                    }
                    batch.Add(r);
                    bytes += r.Data.Length;
                }
                if (batch.Count > 0)
                {
                    return batch;
                }
                wait = _signal.Task;
            }
            await wait.WaitAsync(cancellationToken);
        }
    }

    public ValueTask AcknowledgeAsync(long throughSeq, long droppedReported, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _records.RemoveAll(r => r.Seq <= throughSeq);
        }
        Changed?.Invoke();
        return ValueTask.CompletedTask;
    }

    public ValueTask WipeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _records.Clear();
            _last = 0;
            Stream = "q-memory-" + Guid.NewGuid().ToString("N")[..8];
        }
        Changed?.Invoke();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
