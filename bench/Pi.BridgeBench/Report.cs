using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pi.BridgeBench;

/// <summary>Everything one invocation measured, as written by <c>--json</c>.</summary>
public sealed record BenchReport
{
    public required DateTimeOffset StartedAt { get; init; }

    public required MachineInfo Machine { get; init; }

    public required BridgeBenchOptions Options { get; init; }

    public required IReadOnlyList<RunResult> Runs { get; init; }

    /// <summary>Targets that did not produce a result, and why.</summary>
    public required IReadOnlyDictionary<string, string> Errors { get; init; }

    /// <summary>pi / mosquitto, when both ran.</summary>
    public Comparison? PiOverMosquitto { get; init; }
}

public sealed record MachineInfo(int ProcessorCount, string Os, string Runtime, string? Mosquitto);

/// <summary>Ratios of the Pi target's figures to the baseline's (above 1: Pi is faster or slower as named).</summary>
public sealed record Comparison(double DeliveredPerSecond, double LatencyP50, double LatencyP99, double CpuPerMessage);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;

/// <summary>The printed table and the JSON file.</summary>
public static class Report
{
    public static Comparison? Compare(IReadOnlyList<RunResult> runs)
    {
        var baseline = runs.FirstOrDefault(r => r.Target == "mosquitto");
        var pi = runs.FirstOrDefault(r => r.Target == "pi");
        if (baseline is null || pi is null)
        {
            return null;
        }
        static double Ratio(double a, double b) => b > 0 ? a / b : double.NaN;
        return new Comparison(
            Ratio(pi.DeliveredPerSecond, baseline.DeliveredPerSecond),
            Ratio(pi.Latency.P50, baseline.Latency.P50),
            Ratio(pi.Latency.P99, baseline.Latency.P99),
            Ratio(pi.CpuMicrosecondsPerMessage, baseline.CpuMicrosecondsPerMessage));
    }

    public static MachineInfo Machine(string? mosquittoVersion) =>
        new(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, mosquittoVersion);

    // Plain ASCII apostrophes and '+' in the notes, not \u0027 escapes: the file is for people and scripts, not HTML.
    private static readonly BenchJsonContext Json = new(new JsonSerializerOptions(BenchJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static void WriteJson(BenchReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        File.WriteAllText(path, JsonSerializer.Serialize(report, Json.BenchReport));
    }

    /// <summary>One column per run, one row per figure; a ratio column when both targets ran.</summary>
    public static void Print(BenchReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var runs = report.Runs;
        var comparison = report.PiOverMosquitto;
        var o = report.Options;
        output.WriteLine();
        output.WriteLine(Invariant($"Pi.BridgeBench  {report.StartedAt:yyyy-MM-dd HH:mm:ss}Z  {report.Machine.ProcessorCount} cores, {report.Machine.Runtime}, {report.Machine.Os}"));
        output.WriteLine(Invariant($"{o.Publishers} publishers x {o.Messages / o.Publishers:N0} msgs, {o.PayloadSize} B, QoS {o.Qos}, {o.InFlight} in flight each, {o.IdleClients} idle clients, warmup {o.Warmup:N0}"));
        foreach (var run in runs)
        {
            foreach (var note in run.Notes)
            {
                output.WriteLine($"  {run.Target}: {note}");
            }
        }
        foreach (var (target, error) in report.Errors)
        {
            output.WriteLine($"  {target}: NOT RUN: {error}");
        }
        if (runs.Count == 0)
        {
            return;
        }

        var rows = new List<(string Name, Func<RunResult, string> Value, string? Ratio)>
        {
            ("sent", r => N(r.Sent), null),
            ("acked", r => N(r.Acked), null),
            ("failed (not acked)", r => N(r.Failed), null),
            ("delivered (distinct)", r => N(r.Delivered), null),
            ("lost (acked, not delivered)", r => N(r.Lost), null),
            ("duplicated", r => N(r.Duplicates), null),
            ("unrecognized", r => N(r.Unrecognized), null),
            ("connect (s)", r => F(r.ConnectSeconds, 2), null),
            ("acked/s (publish phase)", r => N((long)r.AckedPerSecond), null),
            ("window (s)", r => F(r.WindowSeconds, 2), null),
            ("delivered msg/s (window)", r => N((long)r.DeliveredPerSecond), comparison is null ? null : F(comparison.DeliveredPerSecond, 2)),
            ("latency p50 (ms)", r => F(r.Latency.P50, 2), comparison is null ? null : F(comparison.LatencyP50, 2)),
            ("latency p90 (ms)", r => F(r.Latency.P90, 2), null),
            ("latency p99 (ms)", r => F(r.Latency.P99, 2), comparison is null ? null : F(comparison.LatencyP99, 2)),
            ("latency max (ms)", r => F(r.Latency.Max, 2), null),
            ("CPU µs/msg, all processes (window)", r => F(r.CpuMicrosecondsPerMessage, 1), comparison is null ? null : F(comparison.CpuPerMessage, 2)),
        };
        var processNames = runs.SelectMany(r => r.Processes.Select(p => p.Name)).Distinct().ToList();
        foreach (var name in processNames)
        {
            rows.Add(($"CPU s {name} (window / run)", r => r.Processes.FirstOrDefault(p => p.Name == name) is { } p
                ? $"{F(p.WindowCpuSeconds, 2)} / {F(p.RunCpuSeconds, 2)}" : "-", null));
        }
        foreach (var name in processNames)
        {
            rows.Add(($"peak RSS MiB {name}", r => r.Processes.FirstOrDefault(p => p.Name == name)?.PeakRssMiB is { } mib ? F(mib, 1) : "-", null));
        }

        var headers = new List<string> { "" };
        headers.AddRange(runs.Select(r => r.Target));
        if (comparison is not null)
        {
            headers.Add("pi/mosquitto");
        }
        var table = rows.Select(row =>
        {
            var cells = new List<string> { row.Name };
            cells.AddRange(runs.Select(row.Value));
            if (comparison is not null)
            {
                cells.Add(row.Ratio ?? "");
            }
            return cells;
        }).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, table.Max(c => c[i].Length))).ToArray();
        output.WriteLine();
        output.WriteLine(string.Join("  ", headers.Select((h, i) => i == 0 ? h.PadRight(widths[i]) : h.PadLeft(widths[i]))));
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var cells in table)
        {
            output.WriteLine(string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))));
        }
        output.WriteLine();
        foreach (var run in runs)
        {
            if (run.FirstFailure is not null)
            {
                output.WriteLine($"  {run.Target}: first failed publish: {run.FirstFailure}");
            }
            output.WriteLine(run.Clean
                ? $"  {run.Target}: every message delivered exactly once"
                : $"  {run.Target}: NOT CLEAN: {run.Lost} lost, {run.Duplicates} duplicated, {run.Failed} failed, {run.Unrecognized} unrecognized, {run.Delivered}/{run.Sent} delivered");
        }
        output.WriteLine("  CPU 'run' for the harness counts from before the clients connected; for a broker, from its start.");
        output.WriteLine("  Absolute figures depend on what else the machine runs; compare targets within one invocation.");
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value, int digits) =>
        double.IsNaN(value) ? "-" : value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
