using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Bench.Smoke;
using Pi.Gateway.Bridge.Queue;

namespace Pi.Bench.Gateway;

/// <summary>
/// The gateway's offline queue (<c>FileUpQueue</c>) on the online path: 256 appends of a 256-byte
/// record per invocation, by one appender awaiting each append in turn, or by 16 appenders at once
/// (16 each), which the writer loop groups into batches written with one call each. Sync interval
/// 1 s (the default): an fsync follows in the background at most once a second. Rows are per
/// append (<c>OperationsPerInvoke = 256</c>).
/// </summary>
/// <remarks>
/// <para>The baseline writes the same 256 records of 256 bytes with a plain unbuffered
/// <see cref="FileStream"/>, one <c>Write</c> (one write(2)) per record, from one thread, which is
/// what an append costs at least when every record must reach the OS before it is acknowledged to its
/// appender. The queue adds a 16-byte header and CRC-32 per record, a copy of the record, the channel
/// hand-off to the writer loop and the completion of the appender's task.</para>
/// <para>To keep the queue from filling (and dropping, which is not the online path) everything is
/// acknowledged once 50,000 records wait: one atomic meta write per ~200 invocations. Files go to a
/// fresh directory under the system temp directory, deleted in <c>[GlobalCleanup]</c>.</para>
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "Disposed in [GlobalCleanup], the cleanup hook BenchmarkDotNet calls.")]
public class UpQueueBenchmarks : ISmokeCheck
{
    /// <summary>Appends per invocation.</summary>
    public const int Records = 256;

    /// <summary>Bytes per record.</summary>
    public const int RecordSize = 256;

    private const int AcknowledgeAt = 50_000;

    private readonly byte[] _record = new byte[RecordSize];
    private string _directory = "";
    private FileUpQueue _queue = null!;
    private FileStream _baseline = null!;

    /// <summary>Appenders running at once.</summary>
    [Params(1, 16)]
    public int Appenders { get; set; }

    /// <summary>A new queue (and baseline file) in a fresh temp directory.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_record);
        _directory = Directory.CreateTempSubdirectory("pi-bench-queue-").FullName;
        var options = new UpQueueOptions { Directory = Path.Combine(_directory, "queue"), SyncInterval = TimeSpan.FromSeconds(1) };
        _queue = FileUpQueue.OpenAsync(options, TimeProvider.System, NullLogger<FileUpQueue>.Instance, CancellationToken.None).GetAwaiter().GetResult();
        _baseline = new FileStream(Path.Combine(_directory, "baseline.bin"), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 0,
        });
    }

    /// <summary>Closes the queue and the baseline file and deletes the directory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _queue.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _baseline.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The same bytes with a plain unbuffered FileStream: one write(2) per record, one thread.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public long FileStreamWrites()
    {
        for (var i = 0; i < Records; i++)
        {
            _baseline.Write(_record);
        }
        if (_baseline.Position > 256L * 1024 * 1024)
        {
            _baseline.Position = 0; // keep the file at most 256 MiB
        }
        return _baseline.Position;
    }

    /// <summary>256 appends to the queue by <see cref="Appenders"/> appenders; the highest seq handed out.</summary>
    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<long> Append()
    {
        long last;
        if (Appenders == 1)
        {
            last = await AppendManyAsync(Records).ConfigureAwait(false);
        }
        else
        {
            var appenders = new Task<long>[Appenders];
            for (var i = 0; i < appenders.Length; i++)
            {
                appenders[i] = AppendManyAsync(Records / Appenders);
            }
            last = (await Task.WhenAll(appenders).ConfigureAwait(false)).Max();
        }
        if (_queue.Count >= AcknowledgeAt)
        {
            await _queue.AcknowledgeAsync(_queue.LastSeq, 0, CancellationToken.None).ConfigureAwait(false);
        }
        return last;
    }

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result)
    {
        if (benchmark == nameof(FileStreamWrites))
        {
            if (result is not long position || position <= 0 || position % RecordSize != 0)
            {
                throw new SmokeFailure($"{benchmark}: the file position {result} is not a whole number of records");
            }
            return;
        }
        if (result is not long last || last != _queue.LastSeq || last < Records)
        {
            throw new SmokeFailure($"{benchmark}: the last seq {result} is not the queue's ({_queue.LastSeq})");
        }
        var records = _queue.ReadAsync(last - Records, Records, int.MaxValue, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (records.Count != Records || records[^1].Seq != last || records.Any(r => !r.Data.Span.SequenceEqual(_record)))
        {
            throw new SmokeFailure($"{benchmark}: the last {Records} records did not read back as appended");
        }
    }

    private async Task<long> AppendManyAsync(int count)
    {
        long last = 0;
        for (var i = 0; i < count; i++)
        {
            last = Math.Max(last, await _queue.AppendAsync(_record, CancellationToken.None).ConfigureAwait(false));
        }
        return last;
    }
}
