using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.Systemd;

/// <summary>
/// systemd/pi-gateway.service is checked by systemd itself: a copy whose ExecStart points at the
/// gateway binary this test project built is run through <c>systemd-analyze verify</c>, which needs
/// no running systemd. The copy is otherwise the real unit, User= included: systemd-analyze does not
/// resolve users when verifying (checked with systemd 252), so no user is created for the test.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class Systemd_Unit_Tests : IDisposable
{
    private const string InstalledExecStart = "ExecStart=/usr/lib/pi-gateway/Pi.Gateway";

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_unit_passes_systemd_analyze_verify_without_warnings()
    {
        var unit = WithBuiltBinary(await File.ReadAllTextAsync(UnitPath()));

        var (exitCode, output) = await VerifyAsync(unit);

        Assert.True(exitCode == 0, $"systemd-analyze verify exited {exitCode}:\n{output}");
        var warnings = Warnings(output);
        Assert.True(warnings.Count == 0, "systemd-analyze verify warned:\n" + string.Join('\n', warnings));
    }

    [Fact]
    public async Task The_warning_check_catches_an_unknown_directive()
    {
        // systemd-analyze exits 0 for an unknown directive and only warns; this shows the warning
        // check above would see one on this machine.
        var unit = WithBuiltBinary(await File.ReadAllTextAsync(UnitPath())).Replace("WatchdogSec=30s", "WatchdogSecs=30s", StringComparison.Ordinal);

        var (_, output) = await VerifyAsync(unit);

        Assert.Contains(Warnings(output), w => w.Contains("WatchdogSecs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_verify_fails_for_a_missing_binary()
    {
        var unit = (await File.ReadAllTextAsync(UnitPath())).Replace(InstalledExecStart, $"ExecStart={_dir.File("no-such-binary")}", StringComparison.Ordinal);

        var (exitCode, output) = await VerifyAsync(unit);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("no-such-binary", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_unit_has_the_settings_the_gateway_needs()
    {
        var settings = Settings(await File.ReadAllTextAsync(UnitPath()));

        Assert.Equal(["notify"], settings["Type"]);
        Assert.Equal(["/usr/lib/pi-gateway/Pi.Gateway"], settings["ExecStart"]);
        Assert.Equal(["30s"], settings["WatchdogSec"]);
        Assert.Equal(["on-failure"], settings["Restart"]);
        Assert.Equal(["78"], settings["RestartPreventExitStatus"]);
        Assert.Equal(["pi-gateway"], settings["User"]);
        Assert.Equal(["gpio netdev"], settings["SupplementaryGroups"]);
        Assert.Equal(["pi-gateway"], settings["StateDirectory"]);
        Assert.Equal(["0700"], settings["StateDirectoryMode"]);
        Assert.Equal(["pi-gateway"], settings["ConfigurationDirectory"]);
        Assert.Equal(["yes"], settings["NoNewPrivileges"]);
        Assert.Equal(["strict"], settings["ProtectSystem"]);
        Assert.Equal(["yes"], settings["ProtectHome"]);
        Assert.Equal(["yes"], settings["PrivateTmp"]);
        Assert.Equal(["yes"], settings["ProtectKernelTunables"]);
        Assert.Equal(["yes"], settings["ProtectKernelModules"]);
        Assert.Equal(["yes"], settings["ProtectControlGroups"]);
        Assert.Equal(["AF_UNIX AF_INET AF_INET6 AF_NETLINK"], settings["RestrictAddressFamilies"]);
        Assert.Equal(["CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW"], settings["CapabilityBoundingSet"]);
        Assert.Equal(settings["CapabilityBoundingSet"], settings["AmbientCapabilities"]);
        Assert.Contains("char-gpiochip rw", settings["DeviceAllow"]);
        Assert.Equal(["closed"], settings["DevicePolicy"]);
        Assert.Contains(settings["ReadWritePaths"], p => p.Contains("/etc/wpa_supplicant", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_readme_explains_every_directive_of_the_unit()
    {
        var settings = Settings(await File.ReadAllTextAsync(UnitPath()));
        var readme = await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "systemd", "README.md"));

        Assert.All(settings.Keys, key => Assert.Contains($"`{key}=", readme, StringComparison.Ordinal));
    }

    /// <summary>The unit with ExecStart pointing at the gateway binary next to this test assembly (or in the gateway's own output).</summary>
    private static string WithBuiltBinary(string unit)
    {
        Assert.Contains(InstalledExecStart, unit, StringComparison.Ordinal);
        return unit.Replace(InstalledExecStart, $"ExecStart={GatewayBinary()}", StringComparison.Ordinal);
    }

    private static string GatewayBinary()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "Pi.Gateway");
        // …/gateway/Pi.Gateway.Tests/bin/<configuration>/net10.0/
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";
        var own = Path.Combine(RepoRoot(), "gateway", "Pi.Gateway", "bin", configuration, "net10.0", "Pi.Gateway");
        foreach (var candidate in new[] { beside, own })
        {
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0)
            {
                return candidate;
            }
        }
        Assert.Fail($"the built gateway binary (apphost) was found neither at {beside} nor at {own}: build gateway/Pi.Gateway.Tests first");
        return null!;
    }

    private async Task<(int ExitCode, string Output)> VerifyAsync(string unit)
    {
        var analyze = SystemdAnalyze();
        var path = _dir.File("pi-gateway.service");
        await File.WriteAllTextAsync(path, unit);
        var start = new ProcessStartInfo(analyze)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --man=no: do not look up the man pages named by Documentation= (not installed everywhere).
        foreach (var argument in new[] { "verify", "--man=no", path })
        {
            start.ArgumentList.Add(argument);
        }
        // Messages to the terminal, plain, at the default level (warnings included), never paged.
        start.Environment["SYSTEMD_LOG_TARGET"] = "console";
        start.Environment["SYSTEMD_LOG_COLOR"] = "0";
        start.Environment["SYSTEMD_LOG_LEVEL"] = "info";
        start.Environment["SYSTEMD_PAGER"] = "cat";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("systemd-analyze did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static string SystemdAnalyze()
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/bin", "/usr/local/bin"]);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, "systemd-analyze");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Assert.Fail("systemd-analyze is not installed, so systemd/pi-gateway.service cannot be verified. "
            + "Install systemd (Debian/Ubuntu: apt-get install systemd); no running systemd is needed.");
        return null!;
    }

    /// <summary>Lines about the verified unit, or of the kinds systemd uses for a problem in one.</summary>
    private static List<string> Warnings(string output) =>
        [.. output.Split('\n').Where(line => line.Contains("pi-gateway.service", StringComparison.Ordinal) || ProblemLine().IsMatch(line))];

    private static Dictionary<string, List<string>> Settings(string unit)
    {
        var settings = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var raw in unit.Split('\n'))
        {
            var line = raw.Trim();
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line[0] is '#' or ';' or '[' || equals < 1)
            {
                continue;
            }
            var key = line[..equals];
            if (!settings.TryGetValue(key, out var values))
            {
                settings[key] = values = [];
            }
            values.Add(line[(equals + 1)..]);
        }
        return settings;
    }

    private static string UnitPath() => Path.Combine(RepoRoot(), "systemd", "pi-gateway.service");

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pi.sln")) && File.Exists(Path.Combine(dir.FullName, "systemd", "pi-gateway.service")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no repository root (Pi.sln and systemd/pi-gateway.service) above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"Unknown (key|section|lvalue)|[Ii]nvalid|ignoring|deprecated|not executable|Failed to parse|[Ww]arning", RegexOptions.CultureInvariant)]
    private static partial Regex ProblemLine();
}
