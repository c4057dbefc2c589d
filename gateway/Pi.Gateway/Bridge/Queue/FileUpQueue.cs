using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pi.Gateway.State;

namespace Pi.Gateway.Bridge.Queue;

/// <summary>
/// <see cref="IUpQueue"/> on files: segment files of length-prefixed, CRC-32-checked records and an
/// atomically written meta file, in one directory (mode 0700, files 0600). The format is described
/// on <see cref="QueueFormat"/>; open a queue with <see cref="OpenAsync"/>.
/// </summary>
/// <remarks>
/// <para>Appends are group-committed: one writer loop takes every append waiting in a bounded channel
/// (up to 1,024, within one segment), gives them their seqs and writes them with one gathered write.
/// With <see cref="UpQueueOptions.SyncInterval"/> zero the batch is fsynced before its appends
/// complete; otherwise an fsync follows at most that interval after a write.</para>
/// <para>The newest records stay in memory (<see cref="UpQueueOptions.MaxCacheBytes"/>), so the online
/// path never reads the disk; older ones (after a restart, or a long outage) are read back and
/// checked again.</para>
/// <para>Locks: <c>_state</c> guards the index and counters and is never held across I/O; <c>_io</c>
/// serializes the writes to files (segments, meta, deletions, wipe).</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: the protocol's offline queue.")]
public sealed partial class FileUpQueue : IUpQueue
{
    private const int MaxBatchItems = 1024; // IOV_MAX: one pwritev per batch
    private const int ChannelCapacity = 4096;

    private readonly UpQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AtomicFile _files = new();
    private readonly Lock _state = new();
    private readonly SemaphoreSlim _io = new(1, 1);
    private readonly SemaphoreSlim _syncWanted = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<PendingAppend> _appends = Channel.CreateBounded<PendingAppend>(
        new BoundedChannelOptions(ChannelCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly List<QueueSegment> _segments = [];
    private readonly Queue<(QueueSegment Segment, int Index)> _cache = new();

    private Task _writeLoop = Task.CompletedTask;
    private Task _syncLoop = Task.CompletedTask;
    private TaskCompletionSource _appended = NewSignal();
    private QueueSegment? _active;
    private int _lockDescriptor = -1;
    private int _syncPending;
    private bool _metaDirty;
    private bool _dropping;
    private bool _disposed;
    private int _generation;

    private string _stream = "";
    private long _lastSeq, _acknowledgedSeq, _removedThroughSeq, _droppedUnreported, _droppedTotal, _count, _bytes, _cachedBytes;

    private FileUpQueue(UpQueueOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _time = timeProvider;
        _logger = logger;
        Directory = Path.GetFullPath(options.Directory);
    }

    /// <summary>The queue's directory (full path).</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public string Stream { get { lock (_state) { return _stream; } } }

    /// <inheritdoc />
    public long Count { get { lock (_state) { return _count; } } }

    /// <summary>Bytes of the waiting records, headers included (bounded by <see cref="UpQueueOptions.MaxBytes"/>).</summary>
    public long Bytes { get { lock (_state) { return _bytes; } } }

    /// <inheritdoc />
    public long DroppedTotal { get { lock (_state) { return _droppedTotal; } } }

    /// <inheritdoc />
    public long DroppedUnreported { get { lock (_state) { return _droppedUnreported; } } }

    /// <inheritdoc />
    public long LastSeq { get { lock (_state) { return _lastSeq; } } }

    /// <inheritdoc />
    public event Action? Changed;

    /// <inheritdoc />
    /// <remarks>Cancellation is honoured while the append waits for room in the writer's channel; once handed over, the record is written.</remarks>
    public ValueTask<long> AppendAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        if (record.IsEmpty)
        {
            throw new ArgumentException("a record must not be empty", nameof(record));
        }
        if (record.Length > _options.MaxRecordSize)
        {
            throw new ArgumentException($"a record may have at most {_options.MaxRecordSize} bytes; this one has {record.Length}", nameof(record));
        }
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingAppend(record.Span);
        return _appends.Writer.TryWrite(pending) ? new ValueTask<long>(pending.Task) : AppendSlowAsync(pending, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<QueueRecord>> ReadAsync(long afterSeq, int maxItems, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var picks = new List<Pick>();
            Task wait;
            int generation;
            lock (_state)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                generation = _generation;
                PickLocked(afterSeq, maxItems, maxBytes, picks);
                wait = _appended.Task;
            }
            if (picks.Count == 0)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (await MaterializeAsync(picks, generation, cancellationToken).ConfigureAwait(false) is { } records)
            {
                return records;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <paramref name="throughSeq"/> above <see cref="LastSeq"/> is taken as <see cref="LastSeq"/> (a seq
    /// not yet handed out cannot have been handled), <paramref name="droppedReported"/> above
    /// <see cref="DroppedUnreported"/> as all of them.
    /// </remarks>
    public async ValueTask AcknowledgeAsync(long throughSeq, long droppedReported, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(throughSeq);
        ArgumentOutOfRangeException.ThrowIfNegative(droppedReported);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        await _io.WaitAsync(cancellationToken).ConfigureAwait(false);
        List<QueueSegment> drained;
        try
        {
            lock (_state)
            {
                var through = Math.Min(throughSeq, _lastSeq);
                var dropped = Math.Min(droppedReported, _droppedUnreported);
                if (through <= _acknowledgedSeq && dropped == 0)
                {
                    return;
                }
                _acknowledgedSeq = Math.Max(_acknowledgedSeq, through);
                if (through > _removedThroughSeq)
                {
                    RemoveThroughLocked(through);
                }
                _droppedUnreported -= dropped;
                _dropping = false;
                drained = TakeDrainedSegmentsLocked();
            }
            // The acknowledgement is on disk before this returns: nothing acknowledged comes back.
            await WriteMetaAsync(throwOnFailure: true).ConfigureAwait(false);
            DeleteSegments(drained);
        }
        finally
        {
            _io.Release();
        }
        RaiseChanged();
    }

    /// <inheritdoc />
    /// <remarks>
    /// Appends waiting in the channel when the wipe runs go to the new stream. A reader must watch
    /// <see cref="Stream"/> (<see cref="Changed"/> is raised): after a wipe it reads the new stream from 0.
    /// </remarks>
    public async ValueTask WipeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        await _io.WaitAsync(cancellationToken).ConfigureAwait(false);
        TaskCompletionSource signal;
        string stream;
        try
        {
            stream = QueueFormat.NewStreamId();
            QueueSegment? active;
            lock (_state)
            {
                foreach (var segment in _segments)
                {
                    segment.Deleted = true;
                }
                _segments.Clear();
                _cache.Clear();
                active = _active;
                _active = null;
                _stream = stream;
                _lastSeq = _acknowledgedSeq = _removedThroughSeq = _droppedUnreported = _count = _bytes = _cachedBytes = 0;
                _dropping = false;
                _generation++;
                signal = _appended;
                _appended = NewSignal();
            }
            active?.Writer?.Dispose();
            // The new meta file is the commit point: a segment of the old stream found after a crash
            // here is recognised by its header and deleted.
            await WriteMetaAsync(throwOnFailure: true).ConfigureAwait(false);
            var deleted = 0;
            foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
            {
                var name = Path.GetFileName(path);
                if (name != QueueFormat.MetaFileName && name != LockFileName && TryDelete(path))
                {
                    deleted++;
                }
            }
            UnixFileSystem.FlushDirectory(Directory);
            LogWiped(_logger, deleted, stream);
        }
        finally
        {
            _io.Release();
        }
        signal.TrySetResult();
        RaiseChanged();
    }

    /// <summary>Writes what is waiting in the channel, fsyncs, stores the meta file and closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        TaskCompletionSource signal;
        lock (_state)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            signal = _appended;
        }
        _appends.Writer.TryComplete();
        await _writeLoop.ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _syncLoop.ConfigureAwait(false);
        await _io.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_active?.Writer is { } writer)
            {
                RandomAccess.FlushToDisk(writer.SafeFileHandle);
                await writer.DisposeAsync().ConfigureAwait(false);
                _active.Writer = null;
            }
            await WriteMetaAsync(throwOnFailure: false).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            LogSyncFailed(_logger, ex);
        }
        finally
        {
            _io.Release();
            ReleaseDirectoryLock();
            _stopping.Dispose();
        }
        signal.TrySetException(new ObjectDisposedException(nameof(FileUpQueue)));
    }

    private async ValueTask<long> AppendSlowAsync(PendingAppend pending, CancellationToken cancellationToken)
    {
        try
        {
            await _appends.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(FileUpQueue));
        }
        return await pending.Task.ConfigureAwait(false);
    }

    private void Start()
    {
        _writeLoop = Task.Run(WriteLoopAsync);
        if (_options.SyncInterval > TimeSpan.Zero)
        {
            _syncLoop = Task.Run(SyncLoopAsync);
        }
    }

    /// <summary>Asks the sync loop for an fsync (and meta write) within the sync interval.</summary>
    private void RequestSync()
    {
        if (_options.SyncInterval > TimeSpan.Zero && Interlocked.Exchange(ref _syncPending, 1) == 0)
        {
            _syncWanted.Release();
        }
    }

    private async Task SyncLoopAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            while (true)
            {
                await _syncWanted.WaitAsync(stopping).ConfigureAwait(false);
                await Task.Delay(_options.SyncInterval, _time, stopping).ConfigureAwait(false);
                await _io.WaitAsync(stopping).ConfigureAwait(false);
                try
                {
                    Volatile.Write(ref _syncPending, 0);
                    if (_active?.Writer is { } writer)
                    {
                        RandomAccess.FlushToDisk(writer.SafeFileHandle);
                    }
                    if (_metaDirty)
                    {
                        await WriteMetaAsync(throwOnFailure: false).ConfigureAwait(false);
                    }
                }
                catch (IOException ex)
                {
                    LogSyncFailed(_logger, ex);
                }
                finally
                {
                    _io.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // disposed; DisposeAsync syncs one last time
        }
    }

    /// <summary>Raises <see cref="Changed"/>; a handler that throws is logged, never breaks the queue.</summary>
    private void RaiseChanged()
    {
        try
        {
            Changed?.Invoke();
        }
        catch (Exception ex)
        {
            LogChangedHandlerFailed(_logger, ex);
        }
    }

    private void DeleteSegments(List<QueueSegment> segments)
    {
        if (segments.Count == 0)
        {
            return;
        }
        foreach (var segment in segments)
        {
            TryDelete(segment.Path);
        }
        TryFlushDirectory();
    }

    private async Task WriteMetaAsync(bool throwOnFailure)
    {
        QueueMetaFile meta;
        lock (_state)
        {
            meta = new QueueMetaFile(QueueFormat.MetaVersion, _stream, _acknowledgedSeq, _removedThroughSeq, _lastSeq, _droppedUnreported);
            _metaDirty = false;
        }
        try
        {
            var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(meta, QueueJsonContext.Default.QueueMetaFile);
            await _files.WriteAsync(Path.Combine(Directory, QueueFormat.MetaFileName), bytes, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lock (_state)
            {
                _metaDirty = true;
            }
            LogMetaWriteFailed(_logger, ex);
            if (throwOnFailure)
            {
                throw;
            }
        }
    }

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFileOperationFailed(_logger, path, ex.GetType().Name);
            return false;
        }
    }

    private void TryFlushDirectory()
    {
        try
        {
            UnixFileSystem.FlushDirectory(Directory);
        }
        catch (IOException ex)
        {
            LogSyncFailed(_logger, ex);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>An append on its way to the writer: the record's bytes with room for its header, and its completion.</summary>
    private sealed class PendingAppend : TaskCompletionSource<long>
    {
        public PendingAppend(ReadOnlySpan<byte> data)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            Buffer = new byte[QueueFormat.RecordHeaderSize + data.Length];
            data.CopyTo(Buffer.AsSpan(QueueFormat.RecordHeaderSize));
        }

        public byte[] Buffer { get; }

        public long Seq { get; set; }
    }
}
