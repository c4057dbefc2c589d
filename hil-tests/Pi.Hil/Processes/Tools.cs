using System.Diagnostics;

namespace Pi.Hil.Processes;

/// <summary>Where the programs the rig runs are, and a runner for short commands.</summary>
public static class Tools
{
    private static readonly string[] SbinPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"];

    /// <summary>The dotnet host running these tests (so children use the same runtime).</summary>
    public static string Dotnet { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
        ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : Find("dotnet") ?? "dotnet";

    /// <summary>iproute2's <c>ip</c>.</summary>
    public static string Ip => Find("ip") ?? "ip";

    /// <summary>A program's full path: PATH first, then the sbin folders (often not on a user's PATH); null when missing.</summary>
    public static string? Find(string program)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in path.Concat(SbinPath))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Runs a short command to its end; a non-zero exit throws with its stderr unless <paramref name="check"/> is false.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, IEnumerable<string> arguments, RigLog? log = null, bool check = true, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var text = $"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ = Native.Kill(process.Id, Native.SigKill);
            throw new TimeoutException($"'{text}' did not end in time");
        }
        var result = (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        log?.Write("rig", $"$ {text} -> {result.ExitCode}{(result.Item3.Length > 0 ? ": " + result.Item3.Trim() : "")}");
        if (check && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{text}' exited with {result.ExitCode}: {result.Item3.Trim()}");
        }
        return result;
    }
}
