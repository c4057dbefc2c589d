using System.Diagnostics;
using System.Security.Cryptography;
using Pi.Gateway.Wifi.Commands;

namespace Pi.Gateway.Tests.Wifi;

/// <summary>
/// The real Wi-Fi tools the configuration tests run. A missing tool fails the test with the apt
/// package to install (.ci/run installs them); it never skips.
/// </summary>
internal static class RealTools
{
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["hostapd"] = "hostapd",
        ["hostapd_cli"] = "hostapd",
        ["dnsmasq"] = "dnsmasq-base",
        ["wpa_supplicant"] = "wpasupplicant",
        ["wpa_cli"] = "wpasupplicant",
        ["wpa_passphrase"] = "wpasupplicant",
        ["ip"] = "iproute2",
    };

    public static string Require(string tool)
    {
        var path = ProcessCommandRunner.Resolve(tool);
        Assert.True(path is not null, $"{tool} is not installed: install the apt package {Packages.GetValueOrDefault(tool, tool)} (.ci/run does)");
        return path!;
    }

    public static void RequireRoot() =>
        Assert.True(Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root" || IsUidZero(),
            "this test creates a network namespace and needs root (CI runs as root)");

    private static bool IsUidZero()
    {
        try
        {
            return File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A short unique name (interface names are at most 15 characters).</summary>
    public static string UniqueName(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
}

/// <summary>A temporary directory, removed with everything in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("pgw-wifi-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A long-running tool started by a test and stopped by its PID.</summary>
internal sealed class Daemon : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();
    private readonly Lock _lock = new();

    public Daemon(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        Pid = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_lock)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>Stops it by PID (SIGKILL to that PID and its children) and waits for it.</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}

/// <summary>A throwaway network namespace with a veth pair (pgw0/pgw1) in it, deleted on dispose.</summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private readonly ProcessCommandRunner _runner = new();

    private NetworkNamespace(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public const string Interface = "pgw0";

    public static async Task<NetworkNamespace> CreateAsync()
    {
        RealTools.RequireRoot();
        RealTools.Require("ip");
        var space = new NetworkNamespace(RealTools.UniqueName("pgw-test-"));
        await space.RunAsync("ip", "netns", "add", space.Name);
        try
        {
            await space.RunAsync("ip", "-n", space.Name, "link", "add", "pgw0", "type", "veth", "peer", "name", "pgw1");
            await space.RunAsync("ip", "-n", space.Name, "link", "set", "pgw0", "up");
        }
        catch
        {
            await space.DisposeAsync();
            throw;
        }
        return space;
    }

    private async Task RunAsync(string program, params string[] arguments)
    {
        var result = await _runner.RunAsync(Command.Of(program, arguments), CancellationToken.None);
        Assert.True(result.Succeeded, $"{program} {string.Join(' ', arguments)} failed: {result.StandardError}");
    }

    public async ValueTask DisposeAsync() =>
        await _runner.RunAsync(Command.Of("ip", "netns", "del", Name), CancellationToken.None);
}
