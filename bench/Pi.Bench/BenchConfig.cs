using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Pi.Bench;

/// <summary>
/// The run configuration. Unless the command line picks a job (<c>--job short</c> and so on), every
/// benchmark runs with <see cref="PiJob"/>: one launch, 3 warmup and 15 measured iterations of about
/// 200 ms each. That keeps the whole suite around five minutes on two cores; the many short
/// iterations let the default upper-outlier removal drop the ones a busy neighbour disturbed, and
/// the median is always shown next to the mean for the same reason. <c>--quick</c> swaps in
/// <see cref="QuickJob"/> for a fast, rough look.
/// </summary>
internal static class BenchConfig
{
    /// <summary>The default job: a ShortRun with more measured iterations.</summary>
    public static Job PiJob { get; } = Job.Default
        .WithId("Pi")
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(15)
        .WithIterationTime(TimeInterval.FromMilliseconds(200));

    /// <summary>
    /// The <c>--quick</c> job: 1 warmup and 5 measured iterations of about 50 ms. The whole suite
    /// runs in about a third of the time of <see cref="PiJob"/> (process start, JIT and the build
    /// then dominate), with errors of 10% or more. For a look, not for docs/benchmarks.md.
    /// </summary>
    public static Job QuickJob { get; } = Job.Default
        .WithId("Quick")
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(5)
        .WithIterationTime(TimeInterval.FromMilliseconds(50));

    /// <summary>The option that selects <see cref="QuickJob"/>; BenchmarkDotNet never sees it.</summary>
    public const string QuickOption = "--quick";

    /// <summary>The config for these command-line arguments (already without <see cref="QuickOption"/>).</summary>
    public static IConfig For(IReadOnlyList<string> args, bool quick)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance).AddColumn(StatisticColumn.Median);
        if (!args.Any(IsJobOption))
        {
            config.AddJob(quick ? QuickJob : PiJob);
        }
        return config;
    }

    private static bool IsJobOption(string arg) =>
        arg is "-j" ||
        arg.Equals("--job", StringComparison.OrdinalIgnoreCase) ||
        arg.StartsWith("--job=", StringComparison.OrdinalIgnoreCase);
}
