using System.Runtime.Versioning;
using Pi.Gateway.Bridge.Queue;

namespace Pi.Gateway.Tests.Bridge.Queue;

/// <summary>The online path: appends get increasing seqs, the reader gets them in order, acknowledgements remove them.</summary>
[SupportedOSPlatform("linux")]
public sealed class Up_Queue_Append_Read_Ack_Tests : IDisposable
{
    private readonly QueueHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Appends_are_read_in_order_and_acknowledged()
    {
        await using var queue = await _harness.OpenAsync();
        Assert.Matches("^q-[0-9a-f]{16}$", queue.Stream);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], await QueueHarness.AppendAsync(queue, 5));
        Assert.Equal(5, queue.Count);
        Assert.Equal(5, queue.LastSeq);

        var first = await queue.ReadAsync(0, 3, int.MaxValue, CancellationToken.None);
        Assert.Equal([1L, 2L, 3L], first.Select(r => r.Seq));
        Assert.Equal(["record-1", "record-2", "record-3"], first.Select(QueueHarness.Text));
        var rest = await queue.ReadAsync(3, 100, int.MaxValue, CancellationToken.None);
        Assert.Equal([4L, 5L], rest.Select(r => r.Seq));

        await queue.AcknowledgeAsync(3, 0, CancellationToken.None);
        Assert.Equal(2, queue.Count);
        var afterAck = await queue.ReadAsync(0, 100, int.MaxValue, CancellationToken.None);
        Assert.Equal([4L, 5L], afterAck.Select(r => r.Seq));

        await queue.AcknowledgeAsync(5, 0, CancellationToken.None);
        Assert.Equal(0, queue.Count);
        Assert.Equal(6, await queue.AppendAsync(QueueHarness.Record(6), CancellationToken.None));
    }

    [Fact]
    public async Task A_read_stops_at_max_bytes_but_always_returns_one_record()
    {
        await using var queue = await _harness.OpenAsync();
        await QueueHarness.AppendAsync(queue, 4, size: 100);
        var two = await queue.ReadAsync(0, 10, 250, CancellationToken.None);
        Assert.Equal([1L, 2L], two.Select(r => r.Seq));
        var one = await queue.ReadAsync(0, 10, 1, CancellationToken.None);
        Assert.Equal([1L], one.Select(r => r.Seq));
    }

    [Fact]
    public async Task Concurrent_appenders_get_unique_increasing_seqs_and_everything_is_read_back_in_order()
    {
        const int Tasks = 8, PerTask = 2_000;
        await using var queue = await _harness.OpenAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            var seqs = new List<(long Seq, int N)>();
            for (var i = 0; i < PerTask; i++)
            {
                var n = (t * PerTask) + i;
                seqs.Add((await queue.AppendAsync(QueueHarness.Record(n), CancellationToken.None), n));
            }
            return seqs;
        })));

        foreach (var perTask in results)
        {
            // One appender's records keep their order.
            Assert.True(perTask.Zip(perTask.Skip(1)).All(p => p.First.Seq < p.Second.Seq));
        }
        var all = results.SelectMany(r => r).OrderBy(r => r.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, Tasks * PerTask).Select(i => (long)i), all.Select(a => a.Seq));
        Assert.Equal(Tasks * PerTask, queue.Count);

        var read = await QueueHarness.ReadAllAsync(queue, page: 512);
        Assert.Equal(all.Select(a => a.Seq), read.Select(r => r.Seq));
        Assert.Equal(all.Select(a => $"record-{a.N}"), read.Select(QueueHarness.Text));
    }

    [Fact]
    public async Task A_read_waits_for_the_next_append()
    {
        await using var queue = await _harness.OpenAsync();
        await QueueHarness.AppendAsync(queue, 1);
        var waiting = queue.ReadAsync(1, 10, int.MaxValue, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        await queue.AppendAsync(QueueHarness.Record(2), CancellationToken.None);
        var records = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([2L], records.Select(r => r.Seq));
    }

    [Fact]
    public async Task A_waiting_read_can_be_cancelled()
    {
        await using var queue = await _harness.OpenAsync();
        using var cancel = new CancellationTokenSource();
        var waiting = queue.ReadAsync(0, 10, int.MaxValue, cancel.Token).AsTask();
        Assert.False(waiting.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        // The queue is unaffected.
        Assert.Equal(1, await queue.AppendAsync(QueueHarness.Record(1), CancellationToken.None));
    }

    [Fact]
    public async Task A_waiting_read_ends_when_the_queue_is_disposed()
    {
        var queue = await _harness.OpenAsync();
        var waiting = queue.ReadAsync(0, 10, int.MaxValue, CancellationToken.None).AsTask();
        await queue.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.AppendAsync(QueueHarness.Record(1), CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Records_that_are_empty_or_larger_than_the_limit_are_refused()
    {
        await using var queue = await _harness.OpenAsync(_harness.Options(o => o.MaxRecordSize = 1000));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.AppendAsync(new byte[1001], CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => queue.AppendAsync(ReadOnlyMemory<byte>.Empty, CancellationToken.None).AsTask());
        Assert.Equal(1, await queue.AppendAsync(new byte[1000], CancellationToken.None));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task The_default_limit_takes_a_64_KiB_packet_and_its_envelope()
    {
        await using var queue = await _harness.OpenAsync();
        Assert.Equal(1, await queue.AppendAsync(new byte[(64 * 1024) + 1024], CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.AppendAsync(new byte[(64 * 1024) + 1025], CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task With_sync_interval_zero_every_append_is_synced_and_works_the_same()
    {
        await using (var queue = await _harness.OpenAsync(_harness.Options(o => o.SyncInterval = TimeSpan.Zero)))
        {
            var seqs = await Task.WhenAll(Enumerable.Range(1, 200).Select(n => queue.AppendAsync(QueueHarness.Record(n), CancellationToken.None).AsTask()));
            Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), seqs.Order());
            await queue.AcknowledgeAsync(100, 0, CancellationToken.None);
        }
        await using var reopened = await _harness.OpenAsync(_harness.Options(o => o.SyncInterval = TimeSpan.Zero));
        var read = await QueueHarness.ReadAllAsync(reopened);
        Assert.Equal(Enumerable.Range(101, 100).Select(i => (long)i), read.Select(r => r.Seq));
    }

    [Fact]
    public async Task Without_the_cache_records_are_read_back_from_the_segments()
    {
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxCacheBytes = 0));
        await QueueHarness.AppendAsync(queue, 300, size: 100);
        Assert.True(_harness.Segments().Count > 3);
        var read = await QueueHarness.ReadAllAsync(queue, page: 64);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => $"record-{i}"), read.Select(QueueHarness.Text));
    }

    [Fact]
    public async Task Acknowledged_segments_are_deleted()
    {
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        await QueueHarness.AppendAsync(queue, 300, size: 100);
        var before = _harness.Segments().Count;
        Assert.True(before > 3);
        await queue.AcknowledgeAsync(250, 0, CancellationToken.None);
        Assert.True(_harness.Segments().Count <= 3);
        var read = await QueueHarness.ReadAllAsync(queue);
        Assert.Equal(Enumerable.Range(251, 50).Select(i => (long)i), read.Select(r => r.Seq));
    }

    [Fact]
    public async Task An_acknowledgement_beyond_the_last_seq_removes_only_what_exists()
    {
        await using var queue = await _harness.OpenAsync();
        await QueueHarness.AppendAsync(queue, 3);
        await queue.AcknowledgeAsync(1_000, 0, CancellationToken.None);
        Assert.Equal(0, queue.Count);
        // A later record is not hidden by the too-high acknowledgement.
        Assert.Equal(4, await queue.AppendAsync(QueueHarness.Record(4), CancellationToken.None));
        var read = await queue.ReadAsync(0, 10, int.MaxValue, CancellationToken.None);
        Assert.Equal([4L], read.Select(r => r.Seq));
    }

    [Fact]
    public async Task Changed_is_raised_after_appends_and_acknowledgements()
    {
        await using var queue = await _harness.OpenAsync();
        var changes = 0;
        queue.Changed += () => Interlocked.Increment(ref changes);
        await queue.AppendAsync(QueueHarness.Record(1), CancellationToken.None);
        var afterAppend = Volatile.Read(ref changes);
        Assert.True(afterAppend >= 1);
        await queue.AcknowledgeAsync(1, 0, CancellationToken.None);
        Assert.True(Volatile.Read(ref changes) > afterAppend);
    }

    [Fact]
    public async Task A_throwing_Changed_handler_does_not_break_the_queue()
    {
        await using var queue = await _harness.OpenAsync();
        queue.Changed += () => throw new InvalidOperationException("handler bug");
        Assert.Equal(1, await queue.AppendAsync(QueueHarness.Record(1), CancellationToken.None));
        await queue.AcknowledgeAsync(1, 0, CancellationToken.None);
        Assert.Equal(2, await queue.AppendAsync(QueueHarness.Record(2), CancellationToken.None));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task Files_are_private_to_the_owner()
    {
        await using (var queue = await _harness.OpenAsync())
        {
            await QueueHarness.AppendAsync(queue, 3);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_harness.QueueDirectory));
        foreach (var name in _harness.FileNames())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_harness.QueueDirectory, name)));
        }
    }

    [Fact]
    public async Task A_second_queue_on_the_same_directory_is_refused()
    {
        await using var queue = await _harness.OpenAsync();
        await Assert.ThrowsAsync<IOException>(() => _harness.OpenAsync());
    }
}
