using System.Runtime.InteropServices;

namespace Pi.Gateway.Bridge.Queue;

// The index of waiting records: removing the acknowledged, dropping the oldest when full, finding
// the segments nothing waits in any more. Every method runs under _state.
public sealed partial class FileUpQueue
{
    /// <summary>Removes every waiting record up to <paramref name="seq"/> (acknowledged).</summary>
    private void RemoveThroughLocked(long seq)
    {
        foreach (var segment in _segments)
        {
            var entries = segment.Entries;
            while (segment.Head < entries.Count && entries[segment.Head].Seq <= seq)
            {
                RemoveHeadLocked(segment);
            }
            if (!segment.IsDrained)
            {
                break;
            }
        }
        _removedThroughSeq = Math.Max(_removedThroughSeq, seq);
    }

    /// <summary>Drops the oldest records until the bounds hold; how many were dropped.</summary>
    private int EnforceBoundsLocked()
    {
        var dropped = 0;
        while (_count > _options.MaxItems || _bytes > _options.MaxBytes)
        {
            var segment = _segments.First(HasWaiting);
            while (segment.Entries[segment.Head].Lost)
            {
                RemoveHeadLocked(segment);
            }
            _removedThroughSeq = segment.Entries[segment.Head].Seq;
            RemoveHeadLocked(segment);
            dropped++;
        }
        if (dropped > 0)
        {
            _droppedTotal += dropped;
            _droppedUnreported += dropped;
            _metaDirty = true;
            if (!_dropping)
            {
                _dropping = true;
                LogDropping(_logger, _options.MaxItems, _options.MaxBytes);
            }
        }
        return dropped;
    }

    private void RemoveHeadLocked(QueueSegment segment)
    {
        var entries = CollectionsMarshal.AsSpan(segment.Entries);
        ref var entry = ref entries[segment.Head];
        if (!entry.Lost)
        {
            _count--;
            _bytes -= entry.Size;
        }
        if (entry.Buffer is not null)
        {
            _cachedBytes -= entry.Buffer.Length;
            entry.Buffer = null;
        }
        segment.Head++;
    }

    /// <summary>Takes the segments nothing is waiting in out of the index (never the active one).</summary>
    private List<QueueSegment> TakeDrainedSegmentsLocked()
    {
        var drained = new List<QueueSegment>();
        for (var i = 0; i < _segments.Count; i++)
        {
            var segment = _segments[i];
            if (segment != _active && !HasWaiting(segment))
            {
                segment.Deleted = true;
                drained.Add(segment);
                _segments.RemoveAt(i--);
            }
        }
        return drained;
    }

    /// <summary>True when a record in <paramref name="segment"/> is waiting (not removed, not lost).</summary>
    private static bool HasWaiting(QueueSegment segment)
    {
        for (var i = segment.Head; i < segment.Entries.Count; i++)
        {
            if (!segment.Entries[i].Lost)
            {
                return true;
            }
        }
        return false;
    }
}
