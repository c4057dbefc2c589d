using Pi.Bench.Smoke;

namespace Pi.Bench.Tests;

/// <summary>The benchmarks still run and compute the right results (no timing is measured here).</summary>
public class Bench_Smoke_Tests
{
    [Fact]
    public void Every_benchmark_runs_and_checks_its_result()
    {
        using var output = new StringWriter();
        var exitCode = SmokeRunner.Run(typeof(Fixtures).Assembly, output);
        Assert.True(exitCode == 0, output.ToString());
        Assert.Contains("0 failed", output.ToString(), StringComparison.Ordinal);
    }
}
