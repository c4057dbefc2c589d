using BenchmarkDotNet.Running;
using Pi.Bench;
using Pi.Bench.Smoke;

// The assembly is named through BenchConfig, not Program: Pi.Cloud (referenced for the cloud
// benchmarks) has a public Program class of its own.

// --smoke: call every benchmark twice per parameter set, in process, and check the results
// (round trips, decoded messages). No timing; exits non-zero if anything is wrong.
if (args.Contains("--smoke", StringComparer.OrdinalIgnoreCase))
{
    return SmokeRunner.Run(typeof(BenchConfig).Assembly, Console.Out);
}

// --quick: a shorter job (see BenchConfig.QuickJob); every other argument goes to BenchmarkDotNet.
var quick = args.Contains(BenchConfig.QuickOption, StringComparer.OrdinalIgnoreCase);
var benchmarkArgs = args.Where(a => !a.Equals(BenchConfig.QuickOption, StringComparison.OrdinalIgnoreCase)).ToArray();
var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(benchmarkArgs, BenchConfig.For(benchmarkArgs, quick));
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
