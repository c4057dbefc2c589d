using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pi.Gateway.State;

namespace Pi.Gateway.Bridge.Queue;

// Opening: the directory, its lock, the meta file and the scan of every segment.
public sealed partial class FileUpQueue
{
    /// <summary>The lock file held (flock) while a queue has the directory open.</summary>
    public const string LockFileName = ".lock";

    /// <summary>What a moved-aside file's name gets after its own: <c>.corrupt-20250131T235959123Z</c>.</summary>
    public const string CorruptMarker = ".corrupt-";

    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupAndOther = (UnixFileMode)0b000_111_111;

    /// <summary>
    /// Opens the queue in <see cref="UpQueueOptions.Directory"/> (creating it, mode 0700): reads the
    /// meta file, scans every segment (a torn or corrupt tail of the last one is cut off; an older
    /// segment with a corrupt record is moved aside and its records counted as dropped) and starts
    /// the writer. Never fails for what it finds on disk; it does fail when the directory cannot be
    /// used or another queue has it open.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="IOException">The directory cannot be used, or another queue holds it.</exception>
    public static async Task<FileUpQueue> OpenAsync(UpQueueOptions options, TimeProvider timeProvider, ILogger<FileUpQueue> logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }
        var queue = new FileUpQueue(options, timeProvider, logger);
        try
        {
            await queue.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            queue.CloseFiles();
            throw;
        }
        queue.Start();
        return queue;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        PrepareDirectory();
        var removed = AtomicFile.RemoveStrayTempFiles(Directory);
        if (removed.Count > 0)
        {
            LogStrayTempFilesRemoved(_logger, removed.Count, string.Join(", ", removed));
        }
        var meta = await ReadMetaAsync(cancellationToken).ConfigureAwait(false);

        var files = System.IO.Directory.EnumerateFiles(Directory)
            .Select(path => (Path: path, FirstSeq: QueueFormat.ParseSegmentFileName(Path.GetFileName(path))))
            .Where(f => f.FirstSeq is not null)
            .OrderBy(f => f.FirstSeq)
            .Select(f => new QueueSegment(f.Path, f.FirstSeq!.Value))
            .ToList();
        foreach (var segment in files)
        {
            NarrowFileMode(segment.Path);
        }

        // Headers first: which segments belong to the stream.
        var headers = new Dictionary<QueueSegment, (string? Stream, int Length, string? Problem, long FileLength)>();
        foreach (var segment in files)
        {
            headers[segment] = await ReadHeaderAsync(segment.Path, cancellationToken).ConfigureAwait(false);
        }
        var stream = meta?.Stream ?? files.Select(s => headers[s].Stream).LastOrDefault(s => s is not null);
        if (stream is null)
        {
            stream = QueueFormat.NewStreamId();
            LogNewStream(_logger, stream, meta is null && files.Count == 0 ? "a new queue" : "no meta file and no readable segment");
        }
        else if (meta is null)
        {
            LogNewStream(_logger, stream, "no meta file: the stream of the newest segment is kept");
        }
        var removedThrough = meta?.RemovedThroughSeq ?? 0;
        var kept = new List<QueueSegment>();
        var quarantined = new List<QueueSegment>();
        for (var i = 0; i < files.Count; i++)
        {
            var segment = files[i];
            var header = headers[segment];
            var isLast = i == files.Count - 1;
            if (header.Problem is not null)
            {
                if (isLast && header.FileLength < QueueFormat.MaxSegmentHeaderSize && header.Problem.Contains("cut short", StringComparison.Ordinal))
                {
                    // Created, then the process died before the header was complete: nothing in it.
                    LogTailTruncated(_logger, segment.Path, 0, header.Problem, header.FileLength);
                    TryDelete(segment.Path);
                }
                else
                {
                    Quarantine(segment, header.Problem, quarantined);
                }
            }
            else if (header.Stream != stream)
            {
                LogForeignSegmentDeleted(_logger, segment.Path, header.Stream!, stream);
                TryDelete(segment.Path);
            }
            else
            {
                segment.Length = header.Length;
                kept.Add(segment);
            }
        }

        // Then the records, in seq order across segments.
        long previousSeq = 0;
        for (var i = 0; i < kept.Count; i++)
        {
            var segment = kept[i];
            var isLast = i == kept.Count - 1;
            var scan = await ScanRecordsAsync(segment, previousSeq, removedThrough, headers[segment].FileLength, cancellationToken).ConfigureAwait(false);
            if (scan.Problem is not null && !isLast)
            {
                Quarantine(segment, scan.Problem, quarantined);
                kept.RemoveAt(i--);
                continue;
            }
            if (scan.Problem is not null || scan.ValidEnd < headers[segment].FileLength)
            {
                var problem = scan.Problem ?? "bytes after the last record";
                LogTailTruncated(_logger, segment.Path, scan.ValidEnd, problem, headers[segment].FileLength - scan.ValidEnd);
                Truncate(segment.Path, scan.ValidEnd);
            }
            segment.Length = scan.ValidEnd;
            if (segment.Entries.Count > 0)
            {
                previousSeq = segment.Entries[^1].Seq;
            }
        }

        var lastSeq = Math.Max(Math.Max(previousSeq, meta?.LastSeq ?? 0), removedThrough);
        if (kept.Count > 0)
        {
            lastSeq = Math.Max(lastSeq, kept[^1].FirstSeq - 1);
        }
        // A seq a moved-aside segment's name names was handed out (the cloud may have handled it): never again.
        lastSeq = Math.Max(lastSeq, quarantined.Select(s => s.FirstSeq).DefaultIfEmpty(0).Max());
        long lost = 0;
        foreach (var segment in quarantined)
        {
            // Every seq from the segment's first to the next segment's first was in it: an upper
            // bound of what was lost (gaps count too), reported as dropped so nothing vanishes unseen.
            var next = kept.Concat(quarantined).Where(s => s.FirstSeq > segment.FirstSeq).Select(s => s.FirstSeq).DefaultIfEmpty(lastSeq + 1).Min();
            var from = Math.Max(segment.FirstSeq, removedThrough + 1);
            var count = Math.Max(0, next - from);
            lost += count;
            segment.Lost = count;
        }

        lock (_state)
        {
            _stream = stream;
            _acknowledgedSeq = meta?.AcknowledgedSeq ?? 0;
            _removedThroughSeq = removedThrough;
            _lastSeq = lastSeq;
            _droppedUnreported = (meta?.DroppedUnreported ?? 0) + lost;
            _droppedTotal = lost;
            foreach (var segment in kept)
            {
                _segments.Add(segment);
                foreach (var entry in segment.Entries)
                {
                    _count++;
                    _bytes += entry.Size;
                }
            }
            EnforceBoundsLocked();
        }

        if (kept.Count > 0 && kept[^1].Length < _options.SegmentSize)
        {
            var last = kept[^1];
            last.Writer = new FileStream(last.Path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.ReadWrite, Share = FileShare.Read, BufferSize = 0 });
            _active = last;
        }
        // The drop count is on disk before the corrupt segments leave the scan's sight: a crash in
        // between counts them twice at the next start, never not at all.
        await WriteMetaAsync(throwOnFailure: true).ConfigureAwait(false);
        foreach (var segment in quarantined)
        {
            var movedTo = MoveAside(segment.Path);
            LogSegmentQuarantined(_logger, segment.Path, segment.Problem!, movedTo ?? "(could not be moved)", segment.Lost);
        }
        List<QueueSegment> drained;
        lock (_state)
        {
            drained = TakeDrainedSegmentsLocked();
        }
        DeleteSegments(drained);
        LogOpened(_logger, Directory, _stream, _count, _lastSeq, _droppedUnreported);
    }

    private void PrepareDirectory()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(Directory);
            }
            else
            {
                System.IO.Directory.CreateDirectory(Directory, PrivateDirectoryMode);
            }
            LogDirectoryCreated(_logger, Directory);
        }
        else
        {
            NarrowFileMode(Directory);
        }
        if (UnixFileSystem.IsSupported)
        {
            var lockPath = Path.Combine(Directory, LockFileName);
            var fd = UnixFileSystem.OpenLockFile(lockPath);
            if (!UnixFileSystem.TryLockExclusive(fd, lockPath))
            {
                UnixFileSystem.CloseDescriptor(fd);
                throw new IOException($"the up queue in {Directory} is open elsewhere (another queue holds {LockFileName})");
            }
            _lockDescriptor = fd;
        }
    }

    private void ReleaseDirectoryLock()
    {
        if (_lockDescriptor >= 0)
        {
            UnixFileSystem.CloseDescriptor(_lockDescriptor);
            _lockDescriptor = -1;
        }
    }

    /// <summary>After a failed open: closes what was opened.</summary>
    private void CloseFiles()
    {
        _active?.Writer?.Dispose();
        ReleaseDirectoryLock();
        _stopping.Dispose();
    }

    /// <summary>The meta file, or null when it is missing or corrupt (then moved aside and logged).</summary>
    private async Task<QueueMetaFile?> ReadMetaAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, QueueFormat.MetaFileName);
        string problem;
        try
        {
            NarrowFileMode(path);
            var length = new FileInfo(path).Length;
            if (length > QueueFormat.MaxMetaBytes)
            {
                problem = $"it is larger than {QueueFormat.MaxMetaBytes} bytes";
            }
            else
            {
                var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
                var meta = JsonSerializer.Deserialize(bytes, QueueJsonContext.Default.QueueMetaFile);
                problem = meta is null ? "it is null" : meta.Problem() ?? "";
                if (problem.Length == 0)
                {
                    return meta;
                }
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            // The exception's message may quote the file; only its position is logged.
            problem = $"not valid JSON for the meta file (line {ex.LineNumber}, byte {ex.BytePositionInLine})";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"unreadable ({ex.GetType().Name})";
        }
        var movedTo = MoveAside(path);
        LogMetaCorrupt(_logger, path, problem, movedTo ?? "(could not be moved)");
        return null;
    }

    private static async Task<(string? Stream, int Length, string? Problem, long FileLength)> ReadHeaderAsync(string path, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var fileLength = RandomAccess.GetLength(handle);
        var bytes = new byte[(int)Math.Min(fileLength, QueueFormat.MaxSegmentHeaderSize)];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        var (stream, length, problem) = QueueFormat.ReadSegmentHeader(bytes.AsSpan(0, read));
        return (stream, length, problem, fileLength);
    }

    /// <summary>Reads the records after the header into the segment's index, up to the first bad one.</summary>
    private async Task<(long ValidEnd, string? Problem)> ScanRecordsAsync(QueueSegment segment, long previousSeq, long removedThrough, long fileLength, CancellationToken cancellationToken)
    {
        var file = new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: false);
        await using (file.ConfigureAwait(false))
        {
            var buffer = new byte[QueueFormat.RecordHeaderSize + _options.MaxRecordSize];
            var position = segment.Length;
            file.Position = position;
            while (position < fileLength)
            {
                if (fileLength - position < QueueFormat.RecordHeaderSize)
                {
                    return (position, "a record header is cut short");
                }
                await file.ReadExactlyAsync(buffer.AsMemory(0, QueueFormat.RecordHeaderSize), cancellationToken).ConfigureAwait(false);
                var (length, seq) = QueueFormat.ReadRecordHeader(buffer);
                if (length == 0 || length > _options.MaxRecordSize)
                {
                    return (position, FormattableString.Invariant($"a record's length {length} is 0 or above MaxRecordSize {_options.MaxRecordSize}"));
                }
                if (seq <= previousSeq || seq < segment.FirstSeq)
                {
                    return (position, FormattableString.Invariant($"seq {seq} does not increase (after {Math.Max(previousSeq, segment.FirstSeq - 1)})"));
                }
                if (fileLength - position - QueueFormat.RecordHeaderSize < length)
                {
                    return (position, "a record is cut short");
                }
                await file.ReadExactlyAsync(buffer.AsMemory(QueueFormat.RecordHeaderSize, length), cancellationToken).ConfigureAwait(false);
                if (!QueueFormat.ChecksumMatches(buffer.AsSpan(0, QueueFormat.RecordHeaderSize + length)))
                {
                    return (position, FormattableString.Invariant($"the CRC of record {seq} does not match"));
                }
                var size = QueueFormat.RecordHeaderSize + length;
                // Records the cloud acknowledged (or that were dropped) are not waiting: not indexed.
                if (seq > removedThrough)
                {
                    segment.Entries.Add(new QueueEntry { Seq = seq, Offset = position, Size = size });
                }
                previousSeq = seq;
                position += size;
            }
            return (position, null);
        }
    }

    private static void Truncate(string path, long length)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        RandomAccess.SetLength(handle, length);
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>Sets a corrupt segment apart; it is moved aside once the meta file counts its records as dropped.</summary>
    private static void Quarantine(QueueSegment segment, string problem, List<QueueSegment> quarantined)
    {
        segment.Entries.Clear();
        segment.Problem = problem;
        quarantined.Add(segment);
    }

    /// <summary>Renames a corrupt file to <c>name.corrupt-UTC</c>; the new path, or null when it could not be moved.</summary>
    private string? MoveAside(string path)
    {
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var target = path + CorruptMarker + stamp;
        for (var n = 2; File.Exists(target); n++)
        {
            target = FormattableString.Invariant($"{path}{CorruptMarker}{stamp}-{n}");
        }
        try
        {
            File.Move(path, target, overwrite: false);
            TryFlushDirectory();
            return target;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFileOperationFailed(_logger, path, ex.GetType().Name);
            return null;
        }
    }

    private void NarrowFileMode(string path)
    {
        if (OperatingSystem.IsWindows() || !Path.Exists(path))
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupAndOther) != 0)
        {
            File.SetUnixFileMode(path, mode & ~GroupAndOther);
            LogModeNarrowed(_logger, path, Convert.ToString((int)mode, 8).PadLeft(4, '0'));
        }
    }
}
