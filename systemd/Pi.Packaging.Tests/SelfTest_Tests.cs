using Pi.Gateway.Hosting;

namespace Pi.Packaging.Tests;

/// <summary><c>Pi.Gateway self-test</c>, run as a process the way an installer or CI runs it.</summary>
public sealed class SelfTest_Tests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Simulated(string stateDirectory) =>
        ["self-test", $"--State:DataDirectory={stateDirectory}", "--Wifi:Driver=Simulated", "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={_dir.Combine("gpio.sock")}"];

    private static Task<ProcessResult> GatewayAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null) =>
        Run.ProcessAsync(Repo.Program("gateway", "Pi.Gateway"), args, TimeSpan.FromSeconds(60),
            new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["CONFIGURATION_DIRECTORY"] = environment?.GetValueOrDefault("CONFIGURATION_DIRECTORY"), ["STATE_DIRECTORY"] = null });

    [Fact]
    public async Task Passes_every_check_and_leaves_nothing_behind()
    {
        var state = _dir.Combine("state");

        var result = await GatewayAsync(Simulated(state));

        Assert.True(result.ExitCode == SelfTestCommand.Passed, result.ToString());
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("version  Pi.Gateway ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("ok       crypto: P-256 key agreement", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("ok       config: options valid", lines[2], StringComparison.Ordinal);
        Assert.StartsWith($"ok       state: {state} writable", lines[3], StringComparison.Ordinal);
        Assert.Equal("self-test: 3 passed, 0 failed", lines[4]);
        Assert.Empty(Directory.GetFileSystemEntries(state));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(state));
    }

    [Fact]
    public async Task Fails_on_an_option_the_host_would_refuse()
    {
        var result = await GatewayAsync([.. Simulated(_dir.Combine("state")), "--Bridge:Port=not-a-port"]);

        Assert.Equal(SelfTestCommand.Failed, result.ExitCode);
        Assert.Contains(result.StdOut.Split('\n'), l => l.StartsWith("FAIL     config: ", StringComparison.Ordinal) && l.Contains("Bridge:Port", StringComparison.Ordinal));
        Assert.Contains("ok       crypto", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("self-test: 2 passed, 1 failed", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fails_when_the_data_directory_cannot_be_made()
    {
        // A regular file where a directory must be: refused even for root.
        var blocker = _dir.Combine("file");
        await File.WriteAllTextAsync(blocker, "x");

        var result = await GatewayAsync(Simulated(Path.Combine(blocker, "state")));

        Assert.Equal(SelfTestCommand.Failed, result.ExitCode);
        Assert.Contains(result.StdOut.Split('\n'), l => l.StartsWith("FAIL     state: ", StringComparison.Ordinal));
        Assert.Contains("self-test: 2 passed, 1 failed", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_appsettings_json_from_systemds_configuration_directory()
    {
        var configuration = Directory.CreateDirectory(_dir.Combine("etc")).FullName;
        var file = Path.Combine(configuration, "appsettings.json");
        await File.WriteAllTextAsync(file, """{ "Bridge": { "Port": 1884 }, "Wifi": { "Driver": "Simulated" } }""");
        var environment = new Dictionary<string, string?> { ["CONFIGURATION_DIRECTORY"] = configuration };

        var good = await GatewayAsync(Simulated(_dir.Combine("state")), environment);
        await File.WriteAllTextAsync(file, """{ "Bridge": { "Port": 70000 } }""");
        var bad = await GatewayAsync(Simulated(_dir.Combine("state")), environment);

        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains($"options valid (from {file}", good.StdOut, StringComparison.Ordinal);
        Assert.Equal(SelfTestCommand.Failed, bad.ExitCode);
        Assert.Contains("FAIL     config: ", bad.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Says_what_the_commands_are_for_an_unknown_one()
    {
        var result = await GatewayAsync(["no-such-command"]);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("self-test", result.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/pi-gateway", "/anywhere/", "/etc/pi-gateway")]
    [InlineData("/etc/pi-gateway:/etc/other", "/anywhere/", "/etc/pi-gateway")]
    [InlineData(null, "/usr/lib/pi-gateway/", "/etc/pi-gateway")]
    [InlineData("", "/usr/lib/pi-gateway", "/etc/pi-gateway")]
    [InlineData(null, "/home/dev/Pi.Gateway/bin/Release/net10.0/", null)]
    public void The_configuration_directory(string? systemd, string baseDirectory, string? expected) =>
        Assert.Equal(expected, GatewayApp.ConfigurationDirectory(systemd, baseDirectory));

    [Fact]
    public void The_crypto_check_runs_in_process_too() =>
        Assert.Contains("replay refused", SelfTestCommand.Crypto(), StringComparison.Ordinal);
}
