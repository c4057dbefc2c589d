using System.Diagnostics;

namespace Pi.App.Tests.Demo;

/// <summary>
/// The README's main command as a real process: the built app runs the demo to its summary with
/// plain output (its output is redirected), and Ctrl+C (SIGINT) ends <c>--watch</c> cleanly.
/// </summary>
public sealed class Demo_Process_Tests
{
    [Fact]
    public async Task The_built_app_runs_the_demo_to_its_summary_and_exits_0()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "pi-demo-process-" + Guid.NewGuid().ToString("N")[..12]);
        using var process = Start("demo", "--data-dir", dataDir);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await WaitForExitAsync(process, TimeSpan.FromMinutes(2));

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await stderr}");
        Assert.Contains("ok: demo finished in", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir));
    }

    [Fact]
    public async Task Ctrl_C_ends_watch_cleanly_with_everything_stopped_and_removed()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "pi-demo-process-" + Guid.NewGuid().ToString("N")[..12]);
        using var process = Start("demo", "--data-dir", dataDir, "--sub-devices", "1", "--watch");
        var stderr = process.StandardError.ReadToEndAsync();
        var output = new System.Text.StringBuilder();
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
                if (line.StartsWith("watching:", StringComparison.Ordinal))
                {
                    watching.TrySetResult(); // the demo's own line, written once the run is done and it watches
                }
            }
        });
        try
        {
            await watching.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the demo never started watching:\n{output}\n{await stderr}");
        }
        Assert.True(Directory.Exists(dataDir));

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        await WaitForExitAsync(process, TimeSpan.FromMinutes(1));
        await reader;
        var rest = output.ToString();

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{rest}\n{await stderr}");
        Assert.Matches(@"(?m)^  stop +.* ok$", rest);
        Assert.Contains("ok: demo finished", rest, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir));
    }

    private static Process Start(params string[] args)
    {
        // Pi.App.dll and its runtimeconfig are copied beside the tests by the project reference.
        var dll = Path.Combine(AppContext.BaseDirectory, "Pi.App.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        return process;
    }

    private static async Task WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
