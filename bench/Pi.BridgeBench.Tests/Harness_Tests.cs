using System.Buffers;

namespace Pi.BridgeBench.Tests;

/// <summary>The harness's own parts, without brokers.</summary>
public sealed class Harness_Tests
{
    [Fact]
    public void A_payload_carries_publisher_sequence_and_timestamp_in_one_or_several_segments()
    {
        var payload = BenchPayload.Create(256, 42, 1_234_567_890_123, 987_654_321);

        Assert.Equal(256, payload.Length);
        Assert.True(BenchPayload.TryRead(payload, out var publisher, out var sequence, out var sent));
        Assert.Equal((42, 1_234_567_890_123L, 987_654_321L), (publisher, sequence, sent));

        var split = Segments(payload[..10], payload[10..]);
        Assert.True(BenchPayload.TryRead(split, out publisher, out sequence, out sent));
        Assert.Equal((42, 1_234_567_890_123L, 987_654_321L), (publisher, sequence, sent));

        Assert.False(BenchPayload.TryRead(payload.AsSpan(0, BenchPayload.HeaderSize - 1), out _, out _, out _));
        payload[0] ^= 1;
        Assert.False(BenchPayload.TryRead(payload, out _, out _, out _));
    }

    [Fact]
    public void The_tracker_counts_duplicates_strays_and_loss_and_times_only_the_window()
    {
        long? opened = null;
        var tracker = new DeliveryTracker([3, 2], warmup: 2, windowOpened: t => opened = t);
        for (var s = 1; s <= 3; s++)
        {
            tracker.MarkAcked(0, s);
        }
        tracker.MarkAcked(1, 1);
        tracker.MarkAcked(1, 2);

        tracker.OnDelivered(0, 1, sentTimestamp: 100, receivedTimestamp: 110);
        tracker.OnDelivered(0, 2, 100, 120);
        tracker.OnDelivered(0, 2, 100, 121);
        tracker.OnDelivered(0, 3, 100, 130);
        tracker.OnDelivered(1, 1, 100, 150);
        tracker.OnDelivered(1, 3, 100, 150);
        tracker.OnDelivered(7, 1, 100, 150);
        tracker.OnUnrecognized("other/topic");

        Assert.Equal(120, opened);
        Assert.Equal(4, tracker.Unique);
        Assert.Equal(1, tracker.Duplicates);
        Assert.Equal(2, tracker.Strays);
        Assert.Equal(1, tracker.Unrecognized);
        Assert.Equal([30L, 50L], tracker.SortedWindowLatencies());
        Assert.Equal((1L, 0L), tracker.Reconcile());
        Assert.False(tracker.AllDelivered.IsCompleted);
        tracker.OnDelivered(1, 2, 100, 160);
        Assert.True(tracker.AllDelivered.IsCompleted);
    }

    [Fact]
    public void Options_parse_with_smoke_defaults_and_refuse_mistakes()
    {
        var defaults = BridgeBenchOptions.Parse([]);
        Assert.Equal(("mosquitto", 50, 200_000L, 256, 0, 1, 5_000L), (defaults.Target, defaults.Publishers, defaults.Messages, defaults.PayloadSize, defaults.IdleClients, defaults.Qos, defaults.Warmup));

        var smoke = BridgeBenchOptions.Parse(["--idle", "3", "--smoke"]);
        Assert.Equal((5, 10_000L, 1_000L, 3, true), (smoke.Publishers, smoke.Messages, smoke.Warmup, smoke.IdleClients, smoke.Smoke));

        var both = BridgeBenchOptions.Parse(["--target", "both", "--json", "out.json", "--payload", "64"]);
        Assert.Equal(("both", "out.json", 64), (both.Target, both.JsonPath, both.PayloadSize));

        Assert.Throws<ArgumentException>(() => BridgeBenchOptions.Parse(["--target", "emqx"]));
        Assert.Throws<ArgumentException>(() => BridgeBenchOptions.Parse(["--payload", "8"]));
        Assert.Throws<ArgumentException>(() => BridgeBenchOptions.Parse(["--warmup", "200000"]));
        Assert.Throws<ArgumentException>(() => BridgeBenchOptions.Parse(["--publishers"]));
        Assert.Throws<ArgumentException>(() => BridgeBenchOptions.Parse(["--frobnicate"]));
    }

    [Fact]
    public void Both_targets_print_side_by_side_with_the_pi_over_mosquitto_ratio()
    {
        RunResult Run(string target, double perSecond, double p50, double p99) => new()
        {
            Target = target, Notes = [], Publishers = 1, IdleClients = 0, PayloadSize = 24, Qos = 1, InFlightPerPublisher = 1, Warmup = 0,
            ConnectSeconds = 0, Sent = 10, Acked = 10, Failed = 0, Delivered = 10, Lost = 0, Duplicates = 0, DeliveredUnacked = 0,
            Unrecognized = 0, PublishSeconds = 1, AckedPerSecond = 10, WindowSeconds = 1, WindowMessages = 10,
            DeliveredPerSecond = perSecond, Latency = new LatencySummary(10, p50, p50, p99, p99), Processes = [], CpuMicrosecondsPerMessage = 10,
        };
        RunResult[] runs = [Run("mosquitto", 20_000, 2, 10), Run("pi", 30_000, 1, 15)];
        var report = new BenchReport
        {
            StartedAt = DateTimeOffset.UnixEpoch, Machine = Report.Machine(null), Options = BridgeBenchOptions.SmokeDefaults,
            Runs = runs, Errors = new Dictionary<string, string>(), PiOverMosquitto = Report.Compare(runs),
        };
        using var output = new StringWriter();

        Report.Print(report, output);

        Assert.Equal(new Comparison(1.5, 0.5, 1.5, 1), report.PiOverMosquitto);
        var throughput = output.ToString().Split('\n').Single(l => l.StartsWith("delivered msg/s", StringComparison.Ordinal));
        Assert.Equal(["delivered", "msg/s", "(window)", "20,000", "30,000", "1.50"], throughput.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pi/mosquitto", output.ToString(), StringComparison.Ordinal);
    }

    private static ReadOnlySequence<byte> Segments(byte[] first, byte[] second)
    {
        var head = new Segment(first, 0);
        var tail = head.Append(second);
        return new ReadOnlySequence<byte>(head, 0, tail, second.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
