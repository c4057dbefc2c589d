using Pi.BridgeBench.Targets;

namespace Pi.BridgeBench;

/// <summary>
/// Counts what reaches the cloud side: every (publisher, sequence) once, duplicates, strays, and the
/// latency of each message delivered inside the measurement window. The window opens when the
/// <c>warmup</c>-th distinct message arrives (or when the runner opens it, for a warmup of 0).
/// Thread-safe and allocation-free per delivery.
/// </summary>
internal sealed class DeliveryTracker : IDeliveryObserver
{
    private readonly int[][] _seen;
    private readonly bool[][] _acked;
    private readonly long _total;
    private readonly long _warmup;
    private readonly long[] _latencies;
    private readonly Action<long>? _windowOpened;
    private readonly TaskCompletionSource _allDelivered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _unique;
    private long _duplicates;
    private long _strays;
    private long _unrecognized;
    private long _latencyCount;
    private long _windowStart;
    private long _lastDelivery;
    private string? _firstUnrecognized;

    /// <param name="messagesPerPublisher">Messages each publisher sends (sequences 1..n).</param>
    /// <param name="warmup">Distinct deliveries before the window opens.</param>
    /// <param name="windowOpened">Called once, on the delivering thread, with the timestamp the window opened.</param>
    public DeliveryTracker(IReadOnlyList<int> messagesPerPublisher, long warmup, Action<long>? windowOpened = null)
    {
        _seen = messagesPerPublisher.Select(n => new int[n]).ToArray();
        _acked = messagesPerPublisher.Select(n => new bool[n]).ToArray();
        _total = messagesPerPublisher.Sum(n => (long)n);
        _warmup = warmup;
        _latencies = new long[_total];
        _windowOpened = windowOpened;
    }

    public long Unique => Interlocked.Read(ref _unique);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Harness payloads with a publisher or sequence the run never sent.</summary>
    public long Strays => Interlocked.Read(ref _strays);

    public long Unrecognized => Interlocked.Read(ref _unrecognized);

    public string? FirstUnrecognized => Volatile.Read(ref _firstUnrecognized);

    /// <summary>Stopwatch timestamp the window opened at, 0 while closed.</summary>
    public long WindowStart => Interlocked.Read(ref _windowStart);

    public long LastDelivery => Interlocked.Read(ref _lastDelivery);

    /// <summary>Completes when every message of the run arrived once.</summary>
    public Task AllDelivered => _allDelivered.Task;

    /// <summary>Opens the window now when the run has no warmup.</summary>
    public void OpenWindow(long timestamp)
    {
        if (Interlocked.CompareExchange(ref _windowStart, timestamp, 0) == 0)
        {
            _windowOpened?.Invoke(timestamp);
        }
    }

    /// <summary>The runner saw this message's acknowledgement (each is marked by one worker).</summary>
    public void MarkAcked(int publisherId, long sequence) => _acked[publisherId][sequence - 1] = true;

    public void OnDelivered(int publisherId, long sequence, long sentTimestamp, long receivedTimestamp)
    {
        if ((uint)publisherId >= (uint)_seen.Length || sequence < 1 || sequence > _seen[publisherId].Length)
        {
            Interlocked.Increment(ref _strays);
            return;
        }
        if (Interlocked.Increment(ref _seen[publisherId][sequence - 1]) > 1)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        var unique = Interlocked.Increment(ref _unique);
        UpdateMax(ref _lastDelivery, receivedTimestamp);
        if (_warmup > 0 && unique == _warmup)
        {
            OpenWindow(receivedTimestamp);
        }
        else if (unique > _warmup)
        {
            _latencies[Interlocked.Increment(ref _latencyCount) - 1] = receivedTimestamp - sentTimestamp;
        }
        if (unique == _total)
        {
            _allDelivered.TrySetResult();
        }
    }

    public void OnUnrecognized(string what)
    {
        Interlocked.Increment(ref _unrecognized);
        Interlocked.CompareExchange(ref _firstUnrecognized, what, null);
    }

    /// <summary>Acknowledged but never delivered, and delivered although the publish failed.</summary>
    public (long Lost, long DeliveredUnacked) Reconcile()
    {
        long lost = 0, unacked = 0;
        for (var p = 0; p < _seen.Length; p++)
        {
            for (var s = 0; s < _seen[p].Length; s++)
            {
                var seen = Volatile.Read(ref _seen[p][s]) > 0;
                if (_acked[p][s] && !seen)
                {
                    lost++;
                }
                else if (!_acked[p][s] && seen)
                {
                    unacked++;
                }
            }
        }
        return (lost, unacked);
    }

    /// <summary>Latencies (Stopwatch ticks) of the messages delivered inside the window, sorted.</summary>
    public long[] SortedWindowLatencies()
    {
        var count = (int)Math.Min(Interlocked.Read(ref _latencyCount), _latencies.Length);
        var copy = _latencies.AsSpan(0, count).ToArray();
        Array.Sort(copy);
        return copy;
    }

    private static void UpdateMax(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
