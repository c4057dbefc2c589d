using Microsoft.Extensions.Logging;
using Pi.Gateway.Bridge;
using Pi.Gateway.Bridge.Queue;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.Bridge.Queue;

/// <summary>A queue directory of its own (parallel-safe), a captured log and helpers to open, fill and inspect queues.</summary>
internal sealed class QueueHarness : IDisposable
{
    private readonly TestDirectory _root = new();

    public QueueHarness() => QueueDirectory = Path.Combine(_root.Path, "queue");

    public string QueueDirectory { get; }

    public CapturedLog Log { get; } = new();

    public UpQueueOptions Options(Action<UpQueueOptions>? change = null)
    {
        var options = new UpQueueOptions { Directory = QueueDirectory };
        change?.Invoke(options);
        return options;
    }

    /// <summary>Small segments (4 KiB) and records of at most 1 KiB, so a few hundred records span many segments.</summary>
    public UpQueueOptions SmallSegments(Action<UpQueueOptions>? change = null) => Options(o =>
    {
        o.SegmentSize = 4096;
        o.MaxRecordSize = 1024;
        change?.Invoke(o);
    });

    public Task<FileUpQueue> OpenAsync(UpQueueOptions? options = null) =>
        FileUpQueue.OpenAsync(options ?? Options(), TimeProvider.System, Log.For<FileUpQueue>(), CancellationToken.None);

    /// <summary>The segment files, oldest first.</summary>
    public IReadOnlyList<string> Segments() =>
        [.. Directory.EnumerateFiles(QueueDirectory, "*.seg").Order(StringComparer.Ordinal)];

    /// <summary>Every file name in the queue directory, sorted.</summary>
    public IReadOnlyList<string> FileNames() => _root.FileNames(QueueDirectory);

    /// <summary>A recognisable record: "record-{n}" padded with '.' to <paramref name="size"/> bytes.</summary>
    public static byte[] Record(int n, int size = 32)
    {
        var text = $"record-{n}".PadRight(size, '.');
        return System.Text.Encoding.ASCII.GetBytes(text[..size]);
    }

    public static string Text(QueueRecord record) => System.Text.Encoding.ASCII.GetString(record.Data.Span).TrimEnd('.');

    /// <summary>Appends records 1..count (their numbers in the data) one after another; their seqs.</summary>
    public static async Task<List<long>> AppendAsync(IUpQueue queue, int count, int size = 32, int from = 1)
    {
        var seqs = new List<long>();
        for (var n = from; n < from + count; n++)
        {
            seqs.Add(await queue.AppendAsync(Record(n, size), CancellationToken.None));
        }
        return seqs;
    }

    /// <summary>Reads every waiting record above <paramref name="afterSeq"/> (in pages of <paramref name="page"/>).</summary>
    public static async Task<List<QueueRecord>> ReadAllAsync(IUpQueue queue, long afterSeq = 0, int page = 100)
    {
        var all = new List<QueueRecord>();
        while (queue.Count > all.Count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var records = await queue.ReadAsync(afterSeq, page, int.MaxValue, timeout.Token);
            all.AddRange(records);
            afterSeq = records[^1].Seq;
        }
        return all;
    }

    public int Count(LogLevel level, int eventId) => Log.Entries.Count(e => e.Level == level && e.EventId.Id == eventId);

    public void Dispose() => _root.Dispose();
}
