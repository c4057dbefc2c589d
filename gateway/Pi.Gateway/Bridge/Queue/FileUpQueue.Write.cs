using Pi.Gateway.State;

namespace Pi.Gateway.Bridge.Queue;

// The writer loop: group commit of appends into the active segment.
public sealed partial class FileUpQueue
{
    private async Task WriteLoopAsync()
    {
        var reader = _appends.Reader;
        var batch = new List<PendingAppend>(MaxBatchItems);
        var buffers = new List<ReadOnlyMemory<byte>>(MaxBatchItems);
        var maxBatchBytes = (long)_options.SegmentSize - QueueFormat.MaxSegmentHeaderSize;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            buffers.Clear();
            long bytes = 0;
            while (batch.Count < MaxBatchItems
                && reader.TryPeek(out var next)
                && (batch.Count == 0 || bytes + next.Buffer.Length <= maxBatchBytes)
                && reader.TryRead(out next))
            {
                batch.Add(next);
                buffers.Add(next.Buffer);
                bytes += next.Buffer.Length;
            }
            try
            {
                await WriteBatchAsync(batch, buffers, bytes).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A failed batch fails its appends; the loop goes on with the next one.
                LogWriteFailed(_logger, ex, batch.Count, _active?.Path ?? Directory);
                foreach (var pending in batch)
                {
                    pending.TrySetException(ex);
                }
            }
        }
    }

    private async Task WriteBatchAsync(List<PendingAppend> batch, List<ReadOnlyMemory<byte>> buffers, long bytes)
    {
        var syncEach = _options.SyncInterval == TimeSpan.Zero;
        TaskCompletionSource signal;
        await _io.WaitAsync().ConfigureAwait(false);
        try
        {
            // Only this loop (and a wipe, which also holds _io) changes _lastSeq.
            long seq;
            lock (_state)
            {
                seq = _lastSeq;
            }
            if (_active?.Writer is null || (_active.Length + bytes > _options.SegmentSize && _active.Entries.Count > 0))
            {
                await RollAsync(seq + 1).ConfigureAwait(false);
            }
            var active = _active!;
            var writer = active.Writer!;
            foreach (var pending in batch)
            {
                pending.Seq = ++seq;
                QueueFormat.SealRecord(pending.Buffer, pending.Seq);
            }
            var offset = active.Length;
            try
            {
                RandomAccess.Write(writer.SafeFileHandle, buffers, offset);
                if (syncEach)
                {
                    RandomAccess.FlushToDisk(writer.SafeFileHandle);
                }
            }
            catch
            {
                // Nothing of a failed batch may survive to be read at the next start as if it were
                // appended; its seqs stay used (a gap, which the protocol allows).
                lock (_state)
                {
                    _lastSeq = seq;
                }
                try
                {
                    RandomAccess.SetLength(writer.SafeFileHandle, offset);
                }
                catch (IOException)
                {
                    // the next start cuts the tail
                }
                throw;
            }

            int dropped;
            List<QueueSegment> drained;
            lock (_state)
            {
                _lastSeq = seq;
                foreach (var pending in batch)
                {
                    var size = pending.Buffer.Length;
                    var cached = _options.MaxCacheBytes >= size;
                    active.Entries.Add(new QueueEntry { Seq = pending.Seq, Offset = offset, Size = size, Buffer = cached ? pending.Buffer : null });
                    if (cached)
                    {
                        _cache.Enqueue((active, active.Entries.Count - 1));
                        _cachedBytes += size;
                    }
                    offset += size;
                    _count++;
                    _bytes += size;
                }
                active.Length = offset;
                EvictCacheLocked();
                dropped = EnforceBoundsLocked();
                drained = TakeDrainedSegmentsLocked();
                signal = _appended;
                _appended = NewSignal();
            }
            if (dropped > 0 && (drained.Count > 0 || syncEach))
            {
                // Drops are on disk before the records are deleted (or, when every append is synced, at once).
                await WriteMetaAsync(throwOnFailure: false).ConfigureAwait(false);
            }
            DeleteSegments(drained);
            if (!syncEach)
            {
                RequestSync();
            }
        }
        finally
        {
            _io.Release();
        }
        // Readers and Changed first: when an append returns, its change has been announced.
        signal.TrySetResult();
        RaiseChanged();
        foreach (var pending in batch)
        {
            pending.TrySetResult(pending.Seq);
        }
    }

    private void EvictCacheLocked()
    {
        while (_cachedBytes > _options.MaxCacheBytes && _cache.TryDequeue(out var oldest))
        {
            var entries = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(oldest.Segment.Entries);
            ref var entry = ref entries[oldest.Index];
            if (entry.Buffer is not null)
            {
                _cachedBytes -= entry.Buffer.Length;
                entry.Buffer = null;
            }
        }
    }

    /// <summary>Closes the active segment (synced) and begins a new one whose first record is <paramref name="firstSeq"/>.</summary>
    private async Task RollAsync(long firstSeq)
    {
        if (_active?.Writer is { } old)
        {
            RandomAccess.FlushToDisk(old.SafeFileHandle);
            await old.DisposeAsync().ConfigureAwait(false);
            _active.Writer = null;
        }
        var path = Path.Combine(Directory, QueueFormat.SegmentFileName(firstSeq));
        if (File.Exists(path))
        {
            // Not in the index, so not ours to append to (a leftover the scan set aside): keep its bytes.
            MoveAside(path);
        }
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = AtomicFile.PrivateFileMode;
        }
        var stream = new FileStream(path, options);
        byte[] header;
        lock (_state)
        {
            header = QueueFormat.SegmentHeader(_stream);
        }
        try
        {
            RandomAccess.Write(stream.SafeFileHandle, header, 0);
            RandomAccess.FlushToDisk(stream.SafeFileHandle);
            UnixFileSystem.FlushDirectory(Directory);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            TryDelete(path);
            throw;
        }
        var segment = new QueueSegment(path, firstSeq) { Length = header.Length, Writer = stream };
        lock (_state)
        {
            _segments.Add(segment);
            _active = segment;
        }
        // The one closed just now may hold nothing waiting any more.
        List<QueueSegment> drained;
        lock (_state)
        {
            drained = TakeDrainedSegmentsLocked();
        }
        DeleteSegments(drained);
    }
}
