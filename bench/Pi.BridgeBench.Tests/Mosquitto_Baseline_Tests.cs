using Pi.BridgeBench.Targets;
using Xunit.Abstractions;

namespace Pi.BridgeBench.Tests;

/// <summary>
/// The harness end to end against the real Mosquitto bridge (two mosquitto processes from
/// /usr/sbin/mosquitto; .ci/run installs the package). Without mosquitto these tests fail and say
/// how to install it: the baseline is not optional.
/// </summary>
public sealed class Mosquitto_Baseline_Tests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Smoke_run_delivers_every_message_exactly_once_and_leaves_no_process_behind()
    {
        var target = new Recording(new MosquittoBridgeTarget());
        using var log = new StringWriter();
        using var timeout = new CancellationTokenSource(Budget);

        var result = await LoadRunner.RunAsync(target, BridgeBenchOptions.SmokeDefaults, log, timeout.Token);
        output.WriteLine(log.ToString());

        var smoke = BridgeBenchOptions.SmokeDefaults;
        Assert.Equal(smoke.Messages, result.Sent);
        Assert.Equal(result.Sent, result.Acked);
        Assert.Equal(result.Sent, result.Delivered);
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(0, result.Failed);
        Assert.Equal(0, result.Unrecognized);
        Assert.True(result.Clean);
        Assert.Equal(smoke.Messages - smoke.Warmup, result.WindowMessages);
        Assert.Equal(result.WindowMessages, result.Latency.Count);
        Assert.True(result.DeliveredPerSecond > 0);
        Assert.True(result.Latency.P50 > 0 && result.Latency.P50 <= result.Latency.P99 && result.Latency.P99 <= result.Latency.Max);
        Assert.Equal(["harness", "mosquitto-lan", "mosquitto-cloud"], result.Processes.Select(p => p.Name));
        Assert.Contains(result.Notes, n => n.Contains("no cryptography", StringComparison.Ordinal));

        AssertStoppedAndCleanedUp(target);
    }

    [Fact]
    public async Task Cancelling_a_run_stops_both_brokers_by_pid_and_deletes_the_configuration()
    {
        var target = new Recording(new MosquittoBridgeTarget());
        using var cancel = new CancellationTokenSource(Budget);
        target.Started += () => cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => LoadRunner.RunAsync(target, BridgeBenchOptions.SmokeDefaults, TextWriter.Null, cancel.Token));

        AssertStoppedAndCleanedUp(target);
    }

    private static void AssertStoppedAndCleanedUp(Recording target)
    {
        Assert.Equal(2, target.ProcessIds.Count);
        foreach (var pid in target.ProcessIds)
        {
            Assert.False(ProcessUsage.Exists(pid), $"mosquitto (pid {pid}) is still there after the run");
        }
        Assert.NotNull(target.Directory);
        Assert.False(Directory.Exists(target.Directory), $"{target.Directory} was not deleted");
    }

    /// <summary>Remembers the brokers' PIDs and the temp directory while they exist.</summary>
    private sealed class Recording(MosquittoBridgeTarget inner) : IBridgeTarget
    {
        public event Action? Started;

        public IReadOnlyList<int> ProcessIds { get; private set; } = [];

        public string? Directory { get; private set; }

        public string Name => inner.Name;

        public async Task<BridgeEndpoints> StartAsync(BridgeTargetOptions options, IDeliveryObserver observer, CancellationToken cancellationToken)
        {
            var endpoints = await inner.StartAsync(options, observer, cancellationToken);
            ProcessIds = inner.ProcessIds;
            Directory = inner.Directory;
            Assert.All(ProcessIds, pid => Assert.True(ProcessUsage.Exists(pid)));
            Assert.Equal(ProcessIds.Order(), endpoints.Processes.Select(p => p.ProcessId).Order());
            Started?.Invoke();
            return endpoints;
        }

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
