using System.Diagnostics;

namespace Pi.App.Tests;

/// <summary>
/// The app is a .NET tool: <c>dotnet pack</c> makes the pi-app package, and <c>dotnet tool install</c>
/// from that local package alone (a nuget.config that clears every other source: offline) gives a
/// working <c>pi-app</c> command.
/// </summary>
public sealed class Tool_Package_Tests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pi-app-tool-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Pack_then_tool_install_from_the_local_package_gives_a_pi_app_command()
    {
        var project = Path.Combine(RepoRoot(), "app", "Pi.App", "Pi.App.csproj");
        // The configuration this test assembly was built in; Pi.App was built with it (--no-build keeps
        // this test from rebuilding what other tests run from).
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var packages = Path.Combine(_directory, "nupkg");
        var pack = await RunAsync("dotnet", ["pack", project, "-c", configuration, "--no-build", "-o", packages, "-nologo"]);
        Assert.True(pack.Exit == 0, pack.Output);
        Assert.Single(Directory.GetFiles(packages, "pi-app.*.nupkg"));

        var config = Path.Combine(_directory, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>
            """);
        var tools = Path.Combine(_directory, "tools");
        var install = await RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--configfile", config, "pi-app"]);
        Assert.True(install.Exit == 0, install.Output);

        var help = await RunAsync(Path.Combine(tools, OperatingSystem.IsWindows() ? "pi-app.exe" : "pi-app"), ["--help"]);
        Assert.True(help.Exit == 0, help.Output);
        Assert.Contains("provision", help.Output, StringComparison.Ordinal);
        Assert.Contains("subdevices", help.Output, StringComparison.Ordinal);
        var provisionHelp = await RunAsync(Path.Combine(tools, OperatingSystem.IsWindows() ? "pi-app.exe" : "pi-app"), ["provision", "--help"]);
        Assert.True(provisionHelp.Exit == 0, provisionHelp.Output);
        Assert.Contains("--password-stdin", provisionHelp.Output, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("the repository root (Directory.Packages.props) was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // this process only, by its handle
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within 3 minutes");
        }
        return (process.ExitCode, $"{file} {string.Join(' ', args)}\n{await stdout}\n{await stderr}");
    }
}
