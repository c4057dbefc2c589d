using System.Buffers.Binary;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Tests.Bridge.Queue;

/// <summary>
/// Hostile disk contents never crash the queue: a torn or corrupt tail is cut off, a corrupt older
/// segment is moved aside (its records counted as dropped), a bad meta file is moved aside, and
/// nothing acknowledged comes back. No log line quotes a record.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class Up_Queue_Corruption_Tests : IDisposable
{
    private const int Size = 100; // data bytes per record: 116 on disk
    private const int Header = 28; // a segment's header with an 18-character stream id
    private readonly QueueHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(60)]
    public async Task A_last_segment_cut_in_the_middle_of_a_record_keeps_everything_before_it(int cut)
    {
        var stream = await FillAsync(100);
        var last = _harness.Segments()[^1];
        using (var file = File.OpenHandle(last, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(file, RandomAccess.GetLength(file) - cut);
        }

        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(stream, queue.Stream);
        var read = await QueueHarness.ReadAllAsync(queue);
        Assert.Equal(Enumerable.Range(1, 99).Select(i => (long)i), read.Select(r => r.Seq));
        Assert.Equal(Enumerable.Range(1, 99).Select(i => $"record-{i}"), read.Select(QueueHarness.Text));
        Assert.Equal(1, _harness.Count(LogLevel.Warning, 2302));
        // The lost seq is not handed out again.
        Assert.Equal(101, await queue.AppendAsync(QueueHarness.Record(101), CancellationToken.None));
    }

    [Fact]
    public async Task Garbage_after_the_last_record_is_cut_off_once()
    {
        await FillAsync(50);
        var last = _harness.Segments()[^1];
        var length = new FileInfo(last).Length;
        await File.AppendAllTextAsync(last, "this is not a record at all, just garbage bytes");

        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            Assert.Equal(50, queue.Count);
            Assert.Equal(length, new FileInfo(last).Length);
            await QueueHarness.AppendAsync(queue, 1, size: Size, from: 51);
        }
        await using var again = await _harness.OpenAsync(_harness.SmallSegments());
        var read = await QueueHarness.ReadAllAsync(again);
        Assert.Equal(Enumerable.Range(1, 51).Select(i => $"record-{i}"), read.Select(QueueHarness.Text));
        Assert.Equal(1, _harness.Count(LogLevel.Warning, 2302));
    }

    [Fact]
    public async Task A_corrupt_record_in_an_older_segment_moves_that_segment_aside_and_counts_its_records_as_dropped()
    {
        var stream = await FillAsync(200);
        var segments = _harness.Segments();
        Assert.True(segments.Count >= 4);
        var firstInSecond = FirstSeqOf(segments[1]);
        var firstInThird = FirstSeqOf(segments[2]);
        FlipByte(segments[1], Header + (2 * 116) + 40); // in the data of the third record

        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(stream, queue.Stream);
        var expected = Enumerable.Range(1, 200).Select(i => (long)i).Where(s => s < firstInSecond || s >= firstInThird).ToList();
        var read = await QueueHarness.ReadAllAsync(queue);
        Assert.Equal(expected, read.Select(r => r.Seq));
        Assert.Equal(firstInThird - firstInSecond, queue.DroppedUnreported);
        Assert.Equal(1, _harness.Count(LogLevel.Error, 2303));
        Assert.Contains(_harness.FileNames(), n => n.StartsWith(Path.GetFileName(segments[1]) + ".corrupt-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_record_length_beyond_the_limit_is_corruption_not_an_allocation()
    {
        await FillAsync(100);
        var segments = _harness.Segments();
        // The first record of the second segment claims 2 GiB.
        using (var file = File.OpenHandle(segments[1], FileMode.Open, FileAccess.ReadWrite))
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(length, 0x7FFF_FFF0);
            RandomAccess.Write(file, length, Header);
        }
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(1, _harness.Count(LogLevel.Error, 2303));
        Assert.True(queue.Count < 100);
        Assert.Equal(100 - queue.Count, queue.DroppedUnreported);
    }

    [Fact]
    public async Task A_seq_that_does_not_increase_ends_the_last_segment_there()
    {
        await FillAsync(5);
        var last = _harness.Segments()[^1];
        // Copy record 2 (a valid record with an old seq) after record 5.
        var bytes = await File.ReadAllBytesAsync(last);
        await File.WriteAllBytesAsync(last, [.. bytes, .. bytes.AsSpan(Header + 116, 116).ToArray()]);

        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        var read = await QueueHarness.ReadAllAsync(queue);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], read.Select(r => r.Seq));
        Assert.Equal(1, _harness.Count(LogLevel.Warning, 2302));
    }

    [Fact]
    public async Task A_missing_meta_file_keeps_the_stream_of_the_segments()
    {
        var stream = await FillAsync(10);
        File.Delete(Path.Combine(_harness.QueueDirectory, "meta.json"));
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(stream, queue.Stream);
        Assert.Equal(10, queue.Count);
        Assert.Equal(11, await queue.AppendAsync(QueueHarness.Record(11), CancellationToken.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"version\":1,\"stream\":\"q-")]
    [InlineData("{\"version\":1,\"stream\":\"../../etc\",\"acknowledgedSeq\":0,\"removedThroughSeq\":0,\"lastSeq\":0,\"droppedUnreported\":0}")]
    [InlineData("{\"version\":1,\"stream\":\"q-1\",\"acknowledgedSeq\":9,\"removedThroughSeq\":3,\"lastSeq\":0,\"droppedUnreported\":0}")]
    [InlineData("{\"version\":2,\"stream\":\"q-1\",\"acknowledgedSeq\":0,\"removedThroughSeq\":0,\"lastSeq\":0,\"droppedUnreported\":0}")]
    public async Task A_garbled_meta_file_is_moved_aside_and_the_records_are_kept(string meta)
    {
        var stream = await FillAsync(10);
        await File.WriteAllTextAsync(Path.Combine(_harness.QueueDirectory, "meta.json"), meta);
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(stream, queue.Stream);
        Assert.Equal(10, queue.Count);
        Assert.Equal(1, _harness.Count(LogLevel.Warning, 2304));
        Assert.Contains(_harness.FileNames(), n => n.StartsWith("meta.json.corrupt-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nothing_acknowledged_comes_back_even_when_its_segment_is_still_there()
    {
        await FillAsync(10); // one segment: acknowledged records stay in it
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments()))
        {
            await queue.AcknowledgeAsync(8, 0, CancellationToken.None);
        }
        await using var again = await _harness.OpenAsync(_harness.SmallSegments());
        var read = await QueueHarness.ReadAllAsync(again);
        Assert.Equal([9L, 10L], read.Select(r => r.Seq));
    }

    [Fact]
    public async Task A_record_corrupted_on_disk_while_open_is_counted_as_dropped_when_read_back()
    {
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxCacheBytes = 0));
        await QueueHarness.AppendAsync(queue, 5, size: Size);
        FlipByte(_harness.Segments()[0], Header + (1 * 116) + 50); // record 2's data
        var read = await QueueHarness.ReadAllAsync(queue);
        Assert.Equal([1L, 3L, 4L, 5L], read.Select(r => r.Seq));
        Assert.Equal(1, queue.DroppedUnreported);
        Assert.Equal(1, _harness.Count(LogLevel.Error, 2309));
    }

    [Fact]
    public async Task A_segment_with_a_foreign_header_is_moved_aside()
    {
        await FillAsync(100);
        var segments = _harness.Segments();
        FlipByte(segments[0], 2); // the magic
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        Assert.Equal(FirstSeqOf(segments[1]), (await queue.ReadAsync(0, 1, int.MaxValue, CancellationToken.None))[0].Seq);
        Assert.Equal(FirstSeqOf(segments[1]) - 1, queue.DroppedUnreported);
    }

    [Fact]
    public async Task No_log_line_quotes_a_record()
    {
        const string Secret = "sealed-plaintext-SECRET-4711";
        await using (var queue = await _harness.OpenAsync(_harness.SmallSegments(o => o.MaxItems = 5)))
        {
            for (var i = 0; i < 50; i++)
            {
                await queue.AppendAsync(System.Text.Encoding.ASCII.GetBytes(Secret + i), CancellationToken.None);
            }
        }
        var last = _harness.Segments()[^1];
        await File.AppendAllTextAsync(last, Secret);
        FlipByte(_harness.Segments()[0], 80);
        await File.WriteAllTextAsync(Path.Combine(_harness.QueueDirectory, "meta.json"), "{\"x\":\"" + Secret + "\"}");
        await using (await _harness.OpenAsync(_harness.SmallSegments()))
        {
        }
        Assert.True(_harness.Log.Entries.Count > 3);
        Assert.DoesNotContain("SECRET", _harness.Log.AllText, StringComparison.Ordinal);
    }

    /// <summary>Appends records 1..count of <see cref="Size"/> bytes into small segments and closes the queue; its stream.</summary>
    private async Task<string> FillAsync(int count)
    {
        await using var queue = await _harness.OpenAsync(_harness.SmallSegments());
        await QueueHarness.AppendAsync(queue, count, size: Size);
        return queue.Stream;
    }

    private static long FirstSeqOf(string segment) => long.Parse(Path.GetFileNameWithoutExtension(segment), System.Globalization.CultureInfo.InvariantCulture);

    private static void FlipByte(string path, long offset)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var one = new byte[1];
        RandomAccess.Read(file, one, offset);
        one[0] ^= 0x5A;
        RandomAccess.Write(file, one, offset);
    }
}
