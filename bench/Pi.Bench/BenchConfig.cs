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
/// the median is always shown next to the mean for the same reason.
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

    /// <summary>The config for these command-line arguments.</summary>
    public static IConfig For(IReadOnlyList<string> args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance).AddColumn(StatisticColumn.Median);
        if (!args.Any(IsJobOption))
        {
            config.AddJob(PiJob);
        }
        return config;
    }

    private static bool IsJobOption(string arg) =>
        arg is "-j" ||
        arg.Equals("--job", StringComparison.OrdinalIgnoreCase) ||
        arg.StartsWith("--job=", StringComparison.OrdinalIgnoreCase);
}
