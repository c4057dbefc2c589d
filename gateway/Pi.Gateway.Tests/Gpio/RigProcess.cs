using System.Diagnostics;
using System.Reflection;

namespace Pi.Gateway.Tests.Gpio;

/// <summary>Runs hil-tests/Pi.Rig.Gpio as a separate process (built before the tests; see the test project file).</summary>
internal static class RigProcess
{
    public sealed record Result(int ExitCode, IReadOnlyList<string> Lines, string Errors);

    public static string ToolPath
    {
        get
        {
            var path = typeof(RigProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "PiRigGpio")?.Value;
            return path is not null && File.Exists(path)
                ? path
                : throw new InvalidOperationException($"The rig tool was not built where the test project says ({path ?? "no path"}).");
        }
    }

    /// <summary>Runs the tool to its end (bounded by <paramref name="cancellationToken"/>); a process still running then is killed by its id.</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("The rig process did not start.");
        try
        {
            // On Unix, ReadToEndAsync on a child's pipe holds a pool thread for the child's whole life;
            // two of them starve a two-core test host and delay everything else. Dedicated threads instead.
            var output = Task.Factory.StartNew(process.StandardOutput.ReadToEnd, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var errors = Task.Factory.StartNew(process.StandardError.ReadToEnd, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await process.WaitForExitAsync(cancellationToken);
            var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return new Result(process.ExitCode, lines, await errors);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The dotnet host running these tests (the CLI exports it), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
