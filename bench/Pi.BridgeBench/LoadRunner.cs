using System.Diagnostics;
using System.Runtime.CompilerServices;
using MQTTnet.Protocol;
using Pi.BridgeBench.Targets;

namespace Pi.BridgeBench;

/// <summary>
/// Drives one target: starts it, connects the idle clients and the publishers, publishes every
/// message with a bounded number in flight per publisher, waits for the cloud side to have them
/// all (or for the drain timeout without progress), measures, and stops the target — also on
/// failure and cancellation.
/// </summary>
public static class LoadRunner
{
    private const int ConnectConcurrency = 50;

    public static async Task<RunResult> RunAsync(IBridgeTarget target, BridgeBenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);

        var perPublisher = Enumerable.Range(0, options.Publishers)
            .Select(p => (int)(options.Messages / options.Publishers + (p < options.Messages % options.Publishers ? 1 : 0)))
            .ToArray();
        var measured = new List<MeasuredProcess> { new("harness", Environment.ProcessId) };
        ProcessSample?[]? windowStartSamples = null;
        var tracker = new DeliveryTracker(perPublisher, options.Warmup, _ => windowStartSamples = Sample(measured));
        var targetOptions = new BridgeTargetOptions(
            options.Publishers, options.IdleClients, options.PayloadSize, (MqttQualityOfServiceLevel)options.Qos, options.InFlight, options.RelayWindow);

        var idle = new List<IBridgeClient>();
        var publishers = new List<IBridgePublisher>();
        try
        {
            log.WriteLine($"[{target.Name}] starting");
            var endpoints = await target.StartAsync(targetOptions, tracker, cancellationToken).ConfigureAwait(false);
            measured.AddRange(endpoints.Processes);
            var runStartSamples = Sample(measured);

            var connectWatch = Stopwatch.StartNew();
            for (var i = 0; i < options.IdleClients; i++)
            {
                idle.Add(endpoints.Clients.CreateIdleClient(i));
            }
            for (var p = 0; p < options.Publishers; p++)
            {
                publishers.Add(endpoints.Clients.CreatePublisher(p));
            }
            await ConnectAllAsync(idle, cancellationToken).ConfigureAwait(false);
            await ConnectAllAsync(publishers, cancellationToken).ConfigureAwait(false);
            connectWatch.Stop();
            log.WriteLine($"[{target.Name}] {idle.Count} idle clients and {publishers.Count} publishers connected in {connectWatch.Elapsed.TotalSeconds:F1} s; publishing {options.Messages:N0} x {options.PayloadSize} B");

            long sent = 0, acked = 0, failed = 0;
            string? firstFailure = null;
            var publishStart = Stopwatch.GetTimestamp();
            if (options.Warmup == 0)
            {
                tracker.OpenWindow(publishStart);
            }
            var workers = new List<Task>(options.Publishers * options.InFlight);
            for (var p = 0; p < options.Publishers; p++)
            {
                var publisher = publishers[p];
                var count = perPublisher[p];
                var next = new StrongBox<long>();
                for (var w = 0; w < options.InFlight; w++)
                {
                    workers.Add(Task.Run(async () =>
                    {
                        long sequence;
                        while ((sequence = Interlocked.Increment(ref next.Value)) <= count)
                        {
                            Interlocked.Increment(ref sent);
                            var payload = BenchPayload.Create(options.PayloadSize, publisher.PublisherId, sequence, Stopwatch.GetTimestamp());
                            var outcome = await publisher.PublishAsync(payload, cancellationToken).ConfigureAwait(false);
                            if (outcome.Acknowledged)
                            {
                                tracker.MarkAcked(publisher.PublisherId, sequence);
                                Interlocked.Increment(ref acked);
                            }
                            else
                            {
                                Interlocked.Increment(ref failed);
                                Interlocked.CompareExchange(ref firstFailure, $"{publisher.ClientId}: {outcome.Error}", null);
                            }
                        }
                    }, cancellationToken));
                }
            }
            await Task.WhenAll(workers).ConfigureAwait(false);
            var publishEnd = Stopwatch.GetTimestamp();
            log.WriteLine($"[{target.Name}] all publishes answered ({acked:N0} acked, {failed:N0} failed); waiting for the cloud side");

            await DrainAsync(tracker, options.DrainTimeout, cancellationToken).ConfigureAwait(false);
            var endSamples = Sample(measured);
            var (lost, deliveredUnacked) = tracker.Reconcile();

            var windowStart = tracker.WindowStart;
            var windowEnd = tracker.LastDelivery;
            var windowMessages = windowStart == 0 ? 0 : tracker.Unique - Math.Max(options.Warmup, 0);
            var windowSeconds = windowStart == 0 || windowEnd <= windowStart ? 0 : Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;
            var publishSeconds = Stopwatch.GetElapsedTime(publishStart, publishEnd).TotalSeconds;

            var processes = new List<ProcessResult>();
            double windowCpuTotal = 0;
            for (var i = 0; i < measured.Count; i++)
            {
                var end = endSamples[i];
                var windowCpu = end is { } e && windowStartSamples?[i] is { } w ? (e.Cpu - w.Cpu).TotalSeconds : 0;
                var runCpu = end is { } e2 && runStartSamples[i] is { } r && measured[i].Name == "harness"
                    ? (e2.Cpu - r.Cpu).TotalSeconds
                    : end?.Cpu.TotalSeconds ?? 0;
                windowCpuTotal += windowCpu;
                processes.Add(new ProcessResult(measured[i].Name, measured[i].ProcessId, windowCpu, runCpu,
                    end?.PeakRssBytes is { } peak ? peak / (1024.0 * 1024.0) : null));
            }

            return new RunResult
            {
                Target = target.Name,
                Notes = endpoints.Notes,
                Publishers = options.Publishers,
                IdleClients = options.IdleClients,
                PayloadSize = options.PayloadSize,
                Qos = options.Qos,
                InFlightPerPublisher = options.InFlight,
                Warmup = options.Warmup,
                ConnectSeconds = connectWatch.Elapsed.TotalSeconds,
                Sent = sent,
                Acked = acked,
                Failed = failed,
                FirstFailure = firstFailure,
                Delivered = tracker.Unique,
                Lost = lost,
                Duplicates = tracker.Duplicates,
                DeliveredUnacked = deliveredUnacked,
                Unrecognized = tracker.Unrecognized + tracker.Strays,
                PublishSeconds = publishSeconds,
                AckedPerSecond = publishSeconds > 0 ? acked / publishSeconds : 0,
                WindowSeconds = windowSeconds,
                WindowMessages = windowMessages,
                DeliveredPerSecond = windowSeconds > 0 ? windowMessages / windowSeconds : 0,
                Latency = Summarize(tracker.SortedWindowLatencies()),
                Processes = processes,
                CpuMicrosecondsPerMessage = windowMessages > 0 ? windowCpuTotal * 1e6 / windowMessages : 0,
            };
        }
        finally
        {
            await DisposeAllAsync(publishers).ConfigureAwait(false);
            await DisposeAllAsync(idle).ConfigureAwait(false);
            await target.StopAsync(CancellationToken.None).ConfigureAwait(false);
            log.WriteLine($"[{target.Name}] stopped");
        }
    }

    /// <summary>Until every message arrived, or nothing arrived for <paramref name="quiet"/>.</summary>
    private static async Task DrainAsync(DeliveryTracker tracker, TimeSpan quiet, CancellationToken cancellationToken)
    {
        var check = TimeSpan.FromMilliseconds(100);
        var last = tracker.Unique;
        var lastProgress = Stopwatch.GetTimestamp();
        while (!tracker.AllDelivered.IsCompleted)
        {
            await Task.WhenAny(tracker.AllDelivered, Task.Delay(check, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var now = tracker.Unique;
            if (now != last)
            {
                last = now;
                lastProgress = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) >= quiet)
            {
                return;
            }
        }
    }

    private static async Task ConnectAllAsync<T>(IReadOnlyList<T> clients, CancellationToken cancellationToken)
        where T : IBridgeClient
    {
        // A bounded number of connects at once: a burst of a thousand SYNs overflows loopback's accept backlog.
        using var gate = new SemaphoreSlim(ConnectConcurrency);
        await Task.WhenAll(clients.Select(async client =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
    }

    private static async Task DisposeAllAsync<T>(List<T> clients)
        where T : IAsyncDisposable
    {
        foreach (var chunk in clients.Chunk(ConnectConcurrency * 4))
        {
            await Task.WhenAll(chunk.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
        clients.Clear();
    }

    private static ProcessSample?[] Sample(List<MeasuredProcess> processes) =>
        processes.Select(p => ProcessUsage.TryRead(p.ProcessId)).ToArray();

    private static LatencySummary Summarize(long[] sortedTicks)
    {
        if (sortedTicks.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double Rank(double q) => Ms(sortedTicks[Math.Clamp((int)Math.Ceiling(q * sortedTicks.Length) - 1, 0, sortedTicks.Length - 1)]);
        return new LatencySummary(sortedTicks.Length, Rank(0.50), Rank(0.90), Rank(0.99), Ms(sortedTicks[^1]));
    }
}
