using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace Pi.Bench;

/// <summary>
/// The run configuration. Unless the command line picks a job (<c>--job short</c> and so on), every
/// benchmark runs with <see cref="PiJob"/>: one launch, 3 warmup and 10 measured iterations of about
/// 250 ms each. That keeps the whole suite near six minutes on two cores while leaving the error
/// column (99.9% confidence interval) small enough to read ratios to two digits.
/// </summary>
internal static class BenchConfig
{
    /// <summary>The default job: a ShortRun with more measured iterations.</summary>
    public static Job PiJob { get; } = Job.Default
        .WithId("Pi")
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(10)
        .WithIterationTime(TimeInterval.FromMilliseconds(250));

    /// <summary>The config for these command-line arguments.</summary>
    public static IConfig For(IReadOnlyList<string> args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance);
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
