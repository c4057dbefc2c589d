using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;
using Pi.Gateway.Bridge.Queue;

namespace Pi.Gateway.Tests.Bridge.Queue;

/// <summary>A factory reset: everything goes, a new stream begins at seq 1.</summary>
[SupportedOSPlatform("linux")]
public sealed class Up_Queue_Wipe_Tests : IDisposable
{
    private readonly QueueHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_wipe_gives_a_new_stream_that_starts_at_seq_1()
    {
        string newStream;
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxItems = 20)))
        {
            var oldStream = queue.Stream;
            await QueueHarness.AppendAsync(queue, 100, size: 100);
            Assert.True(queue.DroppedUnreported > 0);
            await queue.WipeAsync(CancellationToken.None);
            newStream = queue.Stream;
            Assert.NotEqual(oldStream, newStream);
            Assert.Matches("^q-[0-9a-f]{16}$", newStream);
            Assert.Equal(0, queue.Count);
            Assert.Equal(0, queue.LastSeq);
            Assert.Equal(0, queue.DroppedUnreported);
            Assert.Equal([".lock", "meta.json"], _harness.FileNames());

            Assert.Equal(1, await queue.AppendAsync(QueueHarness.Record(1), CancellationToken.None));
            var read = await queue.ReadAsync(0, 10, int.MaxValue, CancellationToken.None);
            Assert.Equal(["record-1"], read.Select(QueueHarness.Text));
        }
        await using var reopened = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(newStream, reopened.Stream);
        Assert.Equal(1, reopened.Count);
        Assert.Equal(2, await reopened.AppendAsync(QueueHarness.Record(2), CancellationToken.None));
    }

    [Fact]
    public async Task A_wipe_wakes_a_waiting_reader_for_the_new_stream()
    {
        await using var queue = await _harness.OpenAsync();
        var waiting = queue.ReadAsync(0, 10, int.MaxValue, CancellationToken.None).AsTask();
        await queue.WipeAsync(CancellationToken.None);
        await queue.AppendAsync(QueueHarness.Record(1), CancellationToken.None);
        var read = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1L], read.Select(r => r.Seq));
    }

    [Fact]
    public async Task Segments_of_a_wiped_stream_found_at_open_are_deleted()
    {
        // A crash after the wipe's new meta file but before the old segments were deleted.
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            await QueueHarness.AppendAsync(queue, 100, size: 100);
        }
        var oldSegments = _harness.Segments().Select(p => (Path: p, Bytes: File.ReadAllBytes(p))).ToList();
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            await queue.WipeAsync(CancellationToken.None);
        }
        foreach (var (path, bytes) in oldSegments)
        {
            await File.WriteAllBytesAsync(path, bytes);
        }
        await using var reopened = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(0, reopened.Count);
        Assert.Empty(_harness.Segments());
        Assert.Equal(oldSegments.Count, _harness.Count(LogLevel.Information, 2305));
        Assert.Equal(1, await reopened.AppendAsync(QueueHarness.Record(1), CancellationToken.None));
    }
}
