using System.Diagnostics;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Pi.Packaging.Tests;

/// <summary>A temporary directory, removed with everything in it.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "pi-pkg-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>What a finished process left.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public string All => StdOut + StdErr;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>Runs a program to its end, with a time limit; on timeout the process tree is killed (by its own PID).</summary>
public static class Run
{
    public static async Task<ProcessResult> ProcessAsync(string file, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Never the test host's own .NET settings for a child .NET program.
        start.Environment.Remove("DOTNET_STARTUP_HOOKS");
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(key);
                }
                else
                {
                    start.Environment[key] = value;
                }
            }
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Where things are in the repository and the build.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug: the configuration this test assembly was built in.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    /// <summary>The built apphost of a program project (…/bin/&lt;configuration&gt;/net10.0/&lt;name&gt;).</summary>
    public static string Program(string folder, string name)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, name);
        var own = Path.Combine(Root, folder, name, "bin", Configuration, "net10.0", name);
        foreach (var candidate in new[] { own, beside })
        {
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0)
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"the built {name} was found neither at {own} nor at {beside}: build systemd/Pi.Packaging.Tests first");
    }

    /// <summary>VersionPrefix from Directory.Build.props: the one version.</summary>
    public static string Version()
    {
        var props = File.ReadAllText(Path.Combine(Root, "Directory.Build.props"));
        var match = System.Text.RegularExpressions.Regex.Match(props, "<VersionPrefix>([^<]+)</VersionPrefix>");
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException("Directory.Build.props has no VersionPrefix");
    }

    /// <summary>An executable on PATH (or the sbin directories), or null.</summary>
    public static string? Which(string name)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        return directories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pi.sln")) && File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no repository root above {AppContext.BaseDirectory}");
    }
}
