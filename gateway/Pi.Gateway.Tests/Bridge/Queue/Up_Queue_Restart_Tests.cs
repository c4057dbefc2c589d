using System.Runtime.Versioning;

namespace Pi.Gateway.Tests.Bridge.Queue;

/// <summary>What survives a restart: the stream, the waiting records in order, acknowledgements, drops and the seq.</summary>
[SupportedOSPlatform("linux")]
public sealed class Up_Queue_Restart_Tests : IDisposable
{
    private readonly QueueHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Waiting_records_come_back_in_order_with_the_same_stream_and_the_seq_continues()
    {
        string stream;
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            stream = queue.Stream;
            await QueueHarness.AppendAsync(queue, 200, size: 100);
        }
        await using var reopened = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(stream, reopened.Stream);
        Assert.Equal(200, reopened.Count);
        Assert.Equal(200, reopened.LastSeq);
        var read = await QueueHarness.ReadAllAsync(reopened, page: 37);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), read.Select(r => r.Seq));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"record-{i}"), read.Select(QueueHarness.Text));
        Assert.Equal(201, await reopened.AppendAsync(QueueHarness.Record(201), CancellationToken.None));
    }

    [Fact]
    public async Task Acknowledged_records_do_not_come_back()
    {
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            await QueueHarness.AppendAsync(queue, 100, size: 100);
            await queue.AcknowledgeAsync(60, 0, CancellationToken.None);
        }
        await using var reopened = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(40, reopened.Count);
        var read = await QueueHarness.ReadAllAsync(reopened);
        Assert.Equal(Enumerable.Range(61, 40).Select(i => (long)i), read.Select(r => r.Seq));
    }

    [Fact]
    public async Task The_seq_continues_after_everything_was_acknowledged_and_deleted()
    {
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            await QueueHarness.AppendAsync(queue, 100, size: 100);
            await queue.AcknowledgeAsync(100, 0, CancellationToken.None);
        }
        await using (var reopened = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            Assert.Equal(0, reopened.Count);
            Assert.Equal(100, reopened.LastSeq);
            Assert.Equal(101, await reopened.AppendAsync(QueueHarness.Record(101), CancellationToken.None));
        }
        await using var again = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(101, again.LastSeq);
        var read = await again.ReadAsync(0, 10, int.MaxValue, CancellationToken.None);
        Assert.Equal([101L], read.Select(r => r.Seq));
    }

    [Fact]
    public async Task An_acknowledgement_is_on_disk_before_it_returns()
    {
        // No dispose of the first queue: what a crash leaves (the lock is a flock of this process's
        // descriptor, so a second open in the same process needs the first closed; the meta file
        // must already be there).
        var queue = await _harness.OpenAsync();
        await QueueHarness.AppendAsync(queue, 10);
        await queue.AcknowledgeAsync(7, 0, CancellationToken.None);
        var meta = await File.ReadAllTextAsync(Path.Combine(_harness.QueueDirectory, "meta.json"));
        Assert.Contains("\"acknowledgedSeq\": 7", meta, StringComparison.Ordinal);
        await queue.DisposeAsync();
    }
}
