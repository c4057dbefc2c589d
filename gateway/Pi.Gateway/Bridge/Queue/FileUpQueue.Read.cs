using System.Runtime.InteropServices;

namespace Pi.Gateway.Bridge.Queue;

// The reader's side: pick the waiting records under the lock, then take them from the cache or read
// them back from their segment (checked again: the disk may have changed since they were written).
public sealed partial class FileUpQueue
{
    /// <summary>Adds the waiting records above <paramref name="afterSeq"/> to <paramref name="picks"/>, within the limits.</summary>
    private void PickLocked(long afterSeq, int maxItems, int maxBytes, List<Pick> picks)
    {
        long bytes = 0;
        foreach (var segment in _segments)
        {
            var entries = segment.Entries;
            if (segment.IsDrained || entries[^1].Seq <= afterSeq)
            {
                continue;
            }
            var index = FirstAbove(entries, segment.Head, afterSeq);
            for (; index < entries.Count; index++)
            {
                var entry = entries[index];
                if (entry.Lost)
                {
                    continue;
                }
                var dataLength = entry.Size - QueueFormat.RecordHeaderSize;
                if (picks.Count >= maxItems || (picks.Count > 0 && bytes + dataLength > maxBytes))
                {
                    return;
                }
                picks.Add(new Pick(segment, index, entry.Seq, entry.Offset, entry.Size, entry.Buffer));
                bytes += dataLength;
            }
        }
    }

    private static int FirstAbove(List<QueueEntry> entries, int from, long afterSeq)
    {
        int low = from, high = entries.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (entries[middle].Seq <= afterSeq)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    /// <summary>The picked records, or null when something changed under the read (a deletion, a wipe, a record found corrupt): pick again.</summary>
    private async Task<IReadOnlyList<QueueRecord>?> MaterializeAsync(List<Pick> picks, int generation, CancellationToken cancellationToken)
    {
        var records = new QueueRecord[picks.Count];
        var i = 0;
        while (i < picks.Count)
        {
            var pick = picks[i];
            if (pick.Buffer is { } cached)
            {
                records[i++] = new QueueRecord(pick.Seq, cached.AsMemory(QueueFormat.RecordHeaderSize));
                continue;
            }
            // A run of records not in the cache, back to back in one segment: one read.
            var end = i + 1;
            while (end < picks.Count && picks[end].Buffer is null && picks[end].Segment == pick.Segment
                && picks[end].Offset == picks[end - 1].Offset + picks[end - 1].Size)
            {
                end++;
            }
            var length = picks[end - 1].Offset + picks[end - 1].Size - pick.Offset;
            var bytes = new byte[length];
            string? problem;
            try
            {
                using var handle = File.OpenHandle(pick.Segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var read = 0;
                while (read < bytes.Length)
                {
                    var n = await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), pick.Offset + read, cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }
                    read += n;
                }
                problem = read < bytes.Length ? "the file is shorter than the index says" : null;
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                problem = "the segment file is gone";
            }
            for (var k = i; k < end; k++)
            {
                var at = (int)(picks[k].Offset - pick.Offset);
                var recordProblem = problem ?? CheckReadBack(bytes.AsSpan(at, picks[k].Size), picks[k].Seq);
                if (recordProblem is not null)
                {
                    MarkLost(picks[k], generation, recordProblem);
                    return null;
                }
                records[k] = new QueueRecord(picks[k].Seq, bytes.AsMemory(at + QueueFormat.RecordHeaderSize, picks[k].Size - QueueFormat.RecordHeaderSize));
            }
            i = end;
        }
        return records;
    }

    private static string? CheckReadBack(ReadOnlySpan<byte> record, long seq)
    {
        var (length, actualSeq) = QueueFormat.ReadRecordHeader(record);
        return length != record.Length - QueueFormat.RecordHeaderSize ? "its length changed"
            : actualSeq != seq ? "its seq changed"
            : !QueueFormat.ChecksumMatches(record) ? "its CRC does not match"
            : null;
    }

    /// <summary>A record that could not be read back: unless it was removed meanwhile, it is counted as dropped.</summary>
    private void MarkLost(Pick pick, int generation, string problem)
    {
        lock (_state)
        {
            if (generation != _generation || pick.Segment.Deleted)
            {
                return; // wiped or deleted meanwhile: nothing lost, pick again
            }
            var entries = CollectionsMarshal.AsSpan(pick.Segment.Entries);
            ref var entry = ref entries[pick.Index];
            if (pick.Index < pick.Segment.Head || entry.Lost)
            {
                return;
            }
            entry.Lost = true;
            _count--;
            _bytes -= entry.Size;
            _droppedTotal++;
            _droppedUnreported++;
            _metaDirty = true;
        }
        LogRecordLost(_logger, pick.Seq, pick.Segment.Path, problem);
        RequestSync();
        RaiseChanged();
    }

    /// <summary>One record picked for a read.</summary>
    private readonly record struct Pick(QueueSegment Segment, int Index, long Seq, long Offset, int Size, byte[]? Buffer);
}
