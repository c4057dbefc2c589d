using Pi.Hil.Simulated;
using Xunit.Abstractions;

namespace Pi.Hil.Tests;

/// <summary>
/// Runs one scenario on a fresh simulated rig: the rig's log (every process's output) goes to the
/// test's output when the scenario fails, with the elapsed time; the rig is always disposed
/// (processes stopped by PID, namespaces and temp directories removed).
/// </summary>
internal static class Scenario
{
    public static readonly BuiltOutputs Outputs = BuiltOutputs.FromAssemblyMetadata(typeof(Scenario).Assembly);

    /// <summary>A scenario's bound (each is meant to take well under it).</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public static SimulatedRigOptions Options => new()
    {
        Outputs = Outputs,
        // PI_HIL_MODE=loopback forces the fallback (to try it as root); otherwise netns when possible.
        UseNetns = Environment.GetEnvironmentVariable("PI_HIL_MODE") switch
        {
            "loopback" => false,
            "netns" => true,
            _ => null,
        },
    };

    public static async Task RunAsync(ITestOutputHelper output, SimulatedRigOptions options, Func<SimulatedRig, CancellationToken, Task> body)
    {
        using var timeout = new CancellationTokenSource(Limit);
        var started = DateTimeOffset.UtcNow;
        SimulatedRig? rig = null;
        // Every line the rig logs, kept here as well: a rig that fails to start has disposed itself.
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var live = options.LiveLog;
        options = options with { LiveLog = line => { lines.Enqueue(line); live?.Invoke(line); } };
        try
        {
            rig = await SimulatedRig.StartAsync(options, timeout.Token);
            output.WriteLine($"rig mode {rig.Mode}, started in {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s");
            await body(rig, timeout.Token);
            output.WriteLine($"scenario done in {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s");
            if (Environment.GetEnvironmentVariable("PI_HIL_LOG") == "1")
            {
                output.WriteLine("---- rig log ----\n" + string.Join('\n', lines));
            }
        }
        catch (Exception e)
        {
            output.WriteLine($"FAILED after {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s: {e.GetType().Name}: {e.Message}");
            output.WriteLine((rig is null ? "(the rig did not start)\n" : "") + "---- rig log ----\n" + string.Join('\n', lines));
            throw;
        }
        finally
        {
            if (rig is not null)
            {
                await rig.DisposeAsync();
            }
        }
    }
}
