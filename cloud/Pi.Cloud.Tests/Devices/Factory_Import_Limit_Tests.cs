using System.Text;
using Pi.Cloud.Devices;

namespace Pi.Cloud.Tests.Devices;

public sealed class Factory_Import_Limit_Tests
{
    private static string Rows(int count, int first = 0) =>
        string.Concat(Enumerable.Range(first, count).Select(i => $"02:00:00:{i >> 16 & 0xff:x2}:{i >> 8 & 0xff:x2}:{i & 0xff:x2},code-{i}\n"));

    [Fact]
    public void Takes_as_many_records_as_the_limit_allows()
    {
        var records = FactoryImportSamples.Csv("mac,verification_code\n" + Rows(5), new FactoryImportLimits(MaxRecords: 5));

        Assert.Equal(5, records.Count);
    }

    [Fact]
    public void Refuses_one_record_more_than_the_limit()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError("mac,verification_code\n" + Rows(6), new FactoryImportLimits(MaxRecords: 5)).Errors);

        Assert.Equal((7, "the import holds more than 5 records"), (error.Line, error.Reason));
    }

    [Fact]
    public void Refuses_one_json_record_more_than_the_limit()
    {
        var json = "[" + string.Join(',', Enumerable.Range(0, 3).Select(i => $"{{\"mac\": \"02:00:00:00:00:0{i}\", \"verificationCode\": \"c\"}}")) + "]";

        var error = Assert.Single(FactoryImportSamples.JsonError(json, new FactoryImportLimits(MaxRecords: 2)).Errors);

        Assert.Equal(2, error.Index);
    }

    [Fact]
    public void Takes_the_default_limit_of_100000_records()
    {
        var text = "mac,verification_code\n" + Rows(FactoryRecordImport.DefaultMaxRecords);

        Assert.Equal(100_000, FactoryImportSamples.Csv(text).Count);
        Assert.Contains("more than 100000", FactoryImportSamples.CsvError(text + Rows(1, 100_000)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_input_larger_than_the_byte_limit()
    {
        var text = "mac,verification_code\n" + Rows(10);
        var limits = new FactoryImportLimits(MaxBytes: Encoding.UTF8.GetByteCount(text) - 1);

        var error = Assert.Single(FactoryImportSamples.CsvError(text, limits).Errors);

        Assert.Null(error.Line);
        Assert.Contains("larger than", error.Reason, StringComparison.Ordinal);
        Assert.Equal(10, FactoryImportSamples.Csv(text, limits with { MaxBytes = limits.MaxBytes + 1 }).Count);
    }

    [Fact]
    public async Task Reads_a_stream()
    {
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes("mac,verification_code\n" + Rows(3000)));

        var records = await FactoryRecordImport.ReadAsync(stream, FactoryImportFormat.Csv, FactoryImportSamples.Clock(), null, CancellationToken.None);

        Assert.Equal(3000, records.Count);
    }

    [Fact]
    public async Task Stops_reading_a_stream_just_past_the_byte_limit()
    {
        await using var stream = new EndlessStream();

        var error = await Assert.ThrowsAsync<FactoryImportException>(() =>
            FactoryRecordImport.ReadAsync(stream, FactoryImportFormat.Json, FactoryImportSamples.Clock(), new FactoryImportLimits(MaxBytes: 200_000), CancellationToken.None));

        Assert.Contains("larger than 200000 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(200_001, stream.Position);
    }

    [Fact]
    public async Task Honours_cancellation_while_reading()
    {
        await using var stream = new EndlessStream();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            FactoryRecordImport.ReadAsync(stream, FactoryImportFormat.Csv, FactoryImportSamples.Clock(), null, cancelled.Token));
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(10, -1)]
    [InlineData(10, int.MaxValue)]
    public async Task Refuses_limits_it_cannot_honour(int maxRecords, int maxBytes)
    {
        var limits = new FactoryImportLimits(maxRecords, maxBytes);
        await using var stream = new MemoryStream();

        Assert.Throws<ArgumentOutOfRangeException>(() => FactoryRecordImport.Parse(Array.Empty<byte>(), FactoryImportFormat.Csv, FactoryImportSamples.Clock(), limits));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => FactoryRecordImport.ReadAsync(stream, FactoryImportFormat.Csv, FactoryImportSamples.Clock(), limits, CancellationToken.None));
    }

    [Fact]
    public void Lists_at_most_100_errors_and_says_there_were_more()
    {
        var text = "mac,verification_code\n" + string.Concat(Enumerable.Repeat("bad,x\n", 150));

        var exception = FactoryImportSamples.CsvError(text);

        Assert.Equal(FactoryRecordImport.MaxReportedErrors, exception.Errors.Count);
        Assert.True(exception.MoreErrors);
        Assert.StartsWith("The factory-record import was refused (more than 100 errors)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exactly_100_errors_are_not_more()
    {
        var exception = FactoryImportSamples.CsvError("mac,verification_code\n" + string.Concat(Enumerable.Repeat("bad,x\n", 100)));

        Assert.Equal(100, exception.Errors.Count);
        Assert.False(exception.MoreErrors);
    }

    [Fact]
    public void One_bad_record_among_many_good_ones_refuses_them_all()
    {
        var text = "mac,verification_code\n" + Rows(500) + "02:00:00:00:00:00,\n";

        var exception = FactoryImportSamples.CsvError(text);

        Assert.Equal(2, exception.Errors.Count);
        Assert.Equal([502, 502], exception.Errors.Select(e => e.Line ?? 0));
    }

    /// <summary>Yields '[' forever and counts what was read.</summary>
    private sealed class EndlessStream : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'[');
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            buffer.Span.Fill((byte)'[');
            _position += buffer.Length;
            return ValueTask.FromResult(buffer.Length);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
