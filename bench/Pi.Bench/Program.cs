using BenchmarkDotNet.Running;
using Pi.Bench;
using Pi.Bench.Smoke;

// --smoke: call every benchmark once per parameter set, in process, and check the results
// (round trips, decoded messages). No timing; exits non-zero if anything is wrong.
if (args.Contains("--smoke", StringComparer.OrdinalIgnoreCase))
{
    return SmokeRunner.Run(typeof(Program).Assembly, Console.Out);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.For(args));
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
