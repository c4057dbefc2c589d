using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Tests.Bridge.Queue;

/// <summary>A full queue drops its oldest records and counts every one; the count outlives a restart until reported.</summary>
[SupportedOSPlatform("linux")]
public sealed class Up_Queue_Bounds_Tests : IDisposable
{
    private readonly QueueHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Beyond_max_items_the_oldest_are_dropped_and_counted()
    {
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxItems = 50));
        await QueueHarness.AppendAsync(queue, 120, size: 100);
        Assert.Equal(50, queue.Count);
        Assert.Equal(70, queue.DroppedTotal);
        Assert.Equal(70, queue.DroppedUnreported);
        var read = await QueueHarness.ReadAllAsync(queue);
        Assert.Equal(Enumerable.Range(71, 50).Select(i => (long)i), read.Select(r => r.Seq));
        Assert.Equal(1, _harness.Count(LogLevel.Warning, 2306));
    }

    [Fact]
    public async Task Beyond_max_bytes_the_oldest_are_dropped_and_counted()
    {
        // 100 bytes of data + 16 of header = 116 per record: 20 fit in 2,320 bytes.
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxBytes = 20 * 116));
        await QueueHarness.AppendAsync(queue, 30, size: 100);
        Assert.Equal(20, queue.Count);
        Assert.Equal(20 * 116, queue.Bytes);
        Assert.Equal(10, queue.DroppedUnreported);
        var read = await QueueHarness.ReadAllAsync(queue);
        Assert.Equal(Enumerable.Range(11, 20).Select(i => (long)i), read.Select(r => r.Seq));
    }

    [Fact]
    public async Task Segments_of_dropped_records_are_deleted()
    {
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxItems = 40));
        await QueueHarness.AppendAsync(queue, 1_000, size: 100);
        Assert.Equal(40, queue.Count);
        // 40 records of 116 bytes span at most three 4 KiB segments (and the active one).
        Assert.InRange(_harness.Segments().Count, 1, 3);
    }

    [Fact]
    public async Task Unreported_drops_survive_a_restart_and_an_acknowledgement_reduces_them()
    {
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxItems = 50)))
        {
            await QueueHarness.AppendAsync(queue, 80, size: 100);
            Assert.Equal(30, queue.DroppedUnreported);
        }
        await using (var reopened = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxItems = 50)))
        {
            Assert.Equal(30, reopened.DroppedUnreported);
            Assert.Equal(0, reopened.DroppedTotal); // since this process opened it
            Assert.Equal(50, reopened.Count);
            // The dropped records do not come back either.
            var read = await QueueHarness.ReadAllAsync(reopened);
            Assert.Equal(31, read[0].Seq);
            await reopened.AcknowledgeAsync(40, 25, CancellationToken.None);
            Assert.Equal(5, reopened.DroppedUnreported);
        }
        await using var again = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxItems = 50));
        Assert.Equal(5, again.DroppedUnreported);
        Assert.Equal(40, again.Count);
        await again.AcknowledgeAsync(again.LastSeq, 1_000, CancellationToken.None);
        Assert.Equal(0, again.DroppedUnreported);
    }

    [Fact]
    public async Task Lowering_the_limits_drops_the_oldest_at_the_next_open()
    {
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            await QueueHarness.AppendAsync(queue, 100, size: 100);
        }
        await using var reopened = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxItems = 10));
        Assert.Equal(10, reopened.Count);
        Assert.Equal(90, reopened.DroppedUnreported);
        var read = await QueueHarness.ReadAllAsync(reopened);
        Assert.Equal(Enumerable.Range(91, 10).Select(i => (long)i), read.Select(r => r.Seq));
    }
}
