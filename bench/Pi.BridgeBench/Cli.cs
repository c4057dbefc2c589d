using System.Diagnostics;
using Pi.BridgeBench.Targets;

namespace Pi.BridgeBench;

/// <summary>The command: run the chosen targets one after another, print, write JSON.</summary>
public static class Cli
{
    public static async Task<int> RunAsync(BridgeBenchOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var startedAt = DateTimeOffset.UtcNow;
        IBridgeTarget[] targets = options.Target switch
        {
            "mosquitto" => [new MosquittoBridgeTarget(options.MosquittoPath)],
            "pi" => [new PiGatewayTarget()],
            _ => [new MosquittoBridgeTarget(options.MosquittoPath), new PiGatewayTarget()],
        };
        var runs = new List<RunResult>();
        var errors = new Dictionary<string, string>();
        var cancelled = false;
        foreach (var target in targets)
        {
            await using (target.ConfigureAwait(false))
            {
                try
                {
                    runs.Add(await LoadRunner.RunAsync(target, options, output, cancellationToken).ConfigureAwait(false));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    errors[target.Name] = "cancelled";
                    cancelled = true;
                    break;
                }
                catch (NotSupportedException e)
                {
                    errors[target.Name] = e.Message;
                }
#pragma warning disable CA1031 // a failing target is reported, and the other target still runs
                catch (Exception e)
#pragma warning restore CA1031
                {
                    errors[target.Name] = $"{e.GetType().Name}: {e.Message}";
                }
            }
        }

        var report = new BenchReport
        {
            StartedAt = startedAt,
            Machine = Report.Machine(await MosquittoVersionAsync(options).ConfigureAwait(false)),
            Options = options,
            Runs = runs,
            Errors = errors,
            PiOverMosquitto = Report.Compare(runs),
        };
        Report.Print(report, output);
        if (options.JsonPath is not null)
        {
            Report.WriteJson(report, options.JsonPath);
            output.WriteLine($"  results written to {options.JsonPath}");
        }
        if (cancelled)
        {
            return 130;
        }
        return errors.Count == 0 && runs.All(r => r.Clean) ? 0 : 1;
    }

    /// <summary>"2.0.11", from <c>mosquitto -h</c>, when it is installed.</summary>
    private static async Task<string?> MosquittoVersionAsync(BridgeBenchOptions options)
    {
        if (options.Target == "pi")
        {
            return null;
        }
        try
        {
            var start = new ProcessStartInfo(MosquittoProcess.FindExecutable(options.MosquittoPath), "-h")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var text = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
            await process.WaitForExitAsync().ConfigureAwait(false);
            var first = text.Split('\n')[0];
            return first.StartsWith("mosquitto version ", StringComparison.Ordinal) ? first["mosquitto version ".Length..].Trim() : first;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
