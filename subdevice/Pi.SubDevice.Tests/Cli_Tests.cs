using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.SubDevice.Cli;
using Pi.SubDevice.Onboarding;

namespace Pi.SubDevice.Tests;

public sealed class Cli_Tests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pi-subdevice-cli-").FullName;

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var done = new CancellationTokenSource(TestTimeouts.Long);
        var code = await SubDeviceCli.RunAsync(args, stdout, stderr, done.Token, NullLoggerFactory.Instance);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData(new string[0], "Usage")]
    [InlineData(new[] { "fly" }, "unknown command")]
    [InlineData(new[] { "run" }, "--credentials is required")]
    [InlineData(new[] { "run", "--credentials" }, "--credentials needs a value")]
    [InlineData(new[] { "run", "--credentials", "c.json", "--count", "0" }, "--count must be a whole number")]
    [InlineData(new[] { "run", "--credentials", "c.json", "--kind", "lamp" }, "--kind must be sensor or switch")]
    [InlineData(new[] { "run", "--credentials", "c.json", "--interval", "soon" }, "--interval must be a duration")]
    [InlineData(new[] { "run", "--credentials", "c.json", "--interval", "1ms" }, "--interval must be between")]
    [InlineData(new[] { "run", "--credentials", "c.json", "--broker", "http://x:1" }, "--broker")]
    [InlineData(new[] { "run", "--credentials", "c.json", "--colour", "red" }, "unknown option '--colour'")]
    [InlineData(new[] { "run", "--credentials", "a", "--credentials", "b" }, "given twice")]
    [InlineData(new[] { "onboard", "--setup-code", "X" }, "--mac is required")]
    [InlineData(new[] { "onboard", "--mac", "B8-27", "--setup-code", "X" }, "--mac must be written")]
    [InlineData(new[] { "onboard", "--mac", "B8:27:EB:00:00:07", "--setup-code", "B8:27:EB:00:00:07", "--port1", "70000" }, "--setup-code is not valid")]
    [InlineData(new[] { "onboard", "--mac", "B8:27:EB:00:00:07", "--setup-code", "0000000000000000000", "--bind", "::1" }, "--setup-code is not valid")]
    [InlineData(new[] { "onboard", "--mac", "B8:27:EB:00:00:07", "--setup-code", "0000000000000000000", "--count", "2" }, "unknown option '--count' for 'onboard'")]
    public async Task Argument_errors_exit_1_with_a_clear_message(string[] args, string expected)
    {
        var (code, _, err) = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Onboard_option_errors_are_checked_after_the_setup_code_and_never_echo_it()
    {
        var code = SetupCode.Generate().ToDisplayString();
        var badCode = code[..^1] + (code[^1] == '0' ? '1' : '0');

        var (exit1, _, err1) = await RunAsync("onboard", "--mac", "B8:27:EB:00:00:07", "--setup-code", badCode);
        var (exit2, _, err2) = await RunAsync("onboard", "--mac", "B8:27:EB:00:00:07", "--setup-code", code, "--port3", "0");
        var (exit3, _, err3) = await RunAsync("onboard", "--mac", "B8:27:EB:00:00:07", "--setup-code", code, "--count", "3");

        Assert.Equal((ExitCodes.Usage, ExitCodes.Usage, ExitCodes.Usage), (exit1, exit2, exit3));
        Assert.Contains("check symbol", err1, StringComparison.Ordinal);
        Assert.Contains("--port3 must be a whole number from 1 to 65535", err2, StringComparison.Ordinal);
        Assert.Contains("unknown option '--count' for 'onboard'", err3, StringComparison.Ordinal);
        foreach (var err in new[] { err1, err2, err3 })
        {
            Assert.DoesNotContain(badCode.Replace("-", "", StringComparison.Ordinal)[..10], err.Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain(code.Replace("-", "", StringComparison.Ordinal)[..10], err.Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var (code, output, _) = await RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Exit codes", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_or_invalid_credentials_file_exits_2_without_echoing_its_content()
    {
        var missing = Path.Combine(_directory, "none.json");
        var invalid = Path.Combine(_directory, "bad.json");
        var key = SymmetricKey.Generate().ToBase64();
        await File.WriteAllTextAsync(invalid, $"[{{\"did\":\"sd 1\",\"localKey\":\"{key}\",\"keyId\":1,\"keyExpiresAt\":\"2030-01-01T00:00:00+00:00\",\"broker\":\"mqtt://127.0.0.1:1\"}}]");
        var notJson = Path.Combine(_directory, "text.json");
        await File.WriteAllTextAsync(notJson, $"localKey={key}");

        var (code1, _, err1) = await RunAsync("run", "--credentials", missing);
        var (code2, _, err2) = await RunAsync("run", "--credentials", invalid);
        var (code3, _, err3) = await RunAsync("run", "--credentials", notJson);

        Assert.Equal((ExitCodes.Credentials, ExitCodes.Credentials, ExitCodes.Credentials), (code1, code2, code3));
        Assert.Contains("no such file", err1, StringComparison.Ordinal);
        Assert.Contains("entry 0: invalid_id", err2, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", err3, StringComparison.Ordinal);
        Assert.DoesNotContain(key, err2 + err3, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_larger_than_the_file_exits_2()
    {
        var path = Path.Combine(_directory, "one.json");
        await File.WriteAllBytesAsync(path, CredentialsFile.Serialize([Onboarding_Tests.Info("sd-1", "mqtt://127.0.0.1:1")]));

        var (code, _, err) = await RunAsync("run", "--credentials", path, "--count", "2");

        Assert.Equal(ExitCodes.Credentials, code);
        Assert.Contains("holds 1 entries, 2 needed", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Onboard_exits_3_when_its_port_is_taken()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, _, err) = await RunAsync("onboard", "--mac", "B8:27:EB:00:00:07", "--setup-code", SetupCode.Generate().ToDisplayString(),
            "--bind", "127.0.0.1", "--port1", Ports.FreeUdp().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--port3", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(ExitCodes.Io, code);
        Assert.Contains("cannot listen", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_links_every_device_of_the_file_and_stops_cleanly_with_exit_0()
    {
        await using var gateway = await TestGateway.StartAsync();
        var path = Path.Combine(_directory, "fleet.json");
        var entries = Enumerable.Range(0, 3).Select(i =>
        {
            var did = $"sd-run-{i}";
            return Onboarding_Tests.Info(did, gateway.BrokerUrl) with { LocalKey = gateway.Add(did) };
        }).ToList();
        await File.WriteAllBytesAsync(path, CredentialsFile.Serialize(entries));
        using var stop = new CancellationTokenSource();
        var stdout = new ObservedWriter();

        var run = SubDeviceCli.RunAsync(["run", "--credentials", path, "--kind", "switch", "--stagger", "0"], stdout, TextWriter.Null, stop.Token, NullLoggerFactory.Instance);
        await stdout.Lines.WaitAsync(l => l.StartsWith("linked 3/3", StringComparison.Ordinal));
        await stop.CancelAsync();

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TestTimeouts.Long));
        Assert.Contains(stdout.Lines.Snapshot(), l => l.StartsWith("stopping: linked", StringComparison.Ordinal));
        foreach (var entry in entries)
        {
            Assert.Equal("offline", await gateway.RetainedAvailabilityAsync(entry.Did));
        }
    }

    [Fact]
    public async Task Onboard_stores_the_delivered_credentials_then_runs_as_that_sub_device()
    {
        await using var gateway = await TestGateway.StartAsync();
        var localKey = gateway.Add("sd-onboarded");
        var code = SetupCode.Generate();
        var (port1, port2, port3) = (Ports.FreeUdp(), Ports.FreeUdp(), Ports.FreeTcp());
        var path = Path.Combine(_directory, "onboarded.json");
        using var stop = new CancellationTokenSource();
        var stdout = new ObservedWriter();
        string P(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var run = SubDeviceCli.RunAsync(
            ["onboard", "--mac", "B8:27:EB:00:00:09", "--setup-code", code.ToDisplayString(), "--credentials-out", path,
             "--bind", "127.0.0.1", "--port1", P(port1), "--port2", P(port2), "--port3", P(port3)],
            stdout, TextWriter.Null, stop.Token, NullLoggerFactory.Instance);
        await stdout.Lines.WaitAsync(l => l.StartsWith("waiting for the APP", StringComparison.Ordinal));
        using (var app = new TestApp("B8:27:EB:00:00:09", code, port2))
        {
            await app.SendSearchAsync(port1);
            var (info, devicePublicKey, agreeKey) = await app.ReceiveDeviceInfoAsync();
            await using var session = await TestApp.ConnectAsync(info, devicePublicKey, agreeKey);
            var delivered = new SubDeviceInfo("sd-onboarded", localKey, 4, DateTimeOffset.UtcNow.AddDays(30), gateway.BrokerUrl, Kind: "switch");
            Assert.IsType<SubDeviceAck>(await session.RequestAsync(delivered));
        }

        // It runs: the gateway sees its hello and can command it.
        await gateway.Hellos.WaitAsync(h => h.Did == "sd-onboarded");
        await stdout.Lines.WaitAsync(l => l.StartsWith("linked 1/1", StringComparison.Ordinal));
        await gateway.SendCommandAsync("sd-onboarded", new SessionRequest("t-cli", "switch.set", "sd-onboarded", Pi.SubDevice.Emulation.Telemetry.Json("{\"on\":true}")));
        await gateway.Up.WaitAsync(p => p.Message is SessionResponse { Txn: "t-cli", Ok: true });
        await stop.CancelAsync();

        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TestTimeouts.Long));
        var stored = Assert.Single(CredentialsFile.Load(path));
        Assert.Equal(localKey, stored.LocalKey);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

/// <summary>A writer whose lines can be awaited.</summary>
internal sealed class ObservedWriter : StringWriter
{
    public Observed<string> Lines { get; } = new();

    public override void WriteLine(string? value) => Lines.Add(value ?? string.Empty);

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }
}
