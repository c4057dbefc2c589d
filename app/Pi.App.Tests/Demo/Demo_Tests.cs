using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Pi.App.Tests.Demo;

/// <summary>
/// <c>pi-app demo</c> in-process through <see cref="Cli.RunAsync"/>: the real cloud host, the real
/// gateway service on simulated hardware and emulated sub-devices on loopback, driven by the app's
/// own commands. Each test gives the demo its own (not yet existing) data directory and checks it is
/// gone afterwards.
/// </summary>
public sealed class Demo_Tests
{
    [Fact]
    public async Task The_demo_runs_to_its_summary_exits_0_and_removes_its_data_directory()
    {
        var dataDir = NewDataDir();
        var result = await CliRunner.RunAsync("demo", "--data-dir", dataDir);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("ok: demo finished in", result.Stdout, StringComparison.Ordinal);
        foreach (var step in new[] { "cloud", "gateway", "label", "sub-devices", "signup", "login", "provision", "subdevices add", "telemetry", "command", "gateways", "stop" })
        {
            Assert.Matches($@"(?m)^  {System.Text.RegularExpressions.Regex.Escape(step)} +.* ok$", result.Stdout);
        }
        // The user's commands, as typed: provisioning uses the label's MAC and keeps the setup code and password out.
        Assert.Contains("$ pi-app provision --mac ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--setup-code *** --ssid HomeRouter --password-stdin --no-input --search 127.0.0.1:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("$ pi-app send gw-", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"result\":{\"on\":true}", result.Stdout, StringComparison.Ordinal);
        // The cloud's view: every sub-device online with its last telemetry.
        Assert.Matches(@"(?m)^  sensor-1 +sd-\S+ +sensor +yes +\{""temperature"":", result.Stdout);
        Assert.Matches(@"(?m)^  sensor-2 +sd-\S+ +sensor +yes +\{""temperature"":", result.Stdout);
        Assert.Matches(@"(?m)^  switch-1 +sd-\S+ +switch +yes +\{""on"":true\}", result.Stdout);
        Assert.DoesNotContain("\u001b[", result.Stdout, StringComparison.Ordinal); // plain text when redirected
        Assert.True(result.Stderr.Length == 0, result.Stderr); // the hosted parts' logs are quiet (Warning) and nothing went wrong
        Assert.False(Directory.Exists(dataDir), "the data directory was not removed");
    }

    [Fact]
    public async Task With_json_the_demo_prints_one_summary_object_with_telemetry_of_every_sub_device_and_the_command_reply()
    {
        var dataDir = NewDataDir();
        var result = await CliRunner.RunAsync("demo", "--data-dir", dataDir, "--sub-devices", "2", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var summary = JsonDocument.Parse(result.Stdout);
        var root = summary.RootElement;
        Assert.Equal("ok", root.GetProperty("outcome").GetString());
        Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
        Assert.False(root.GetProperty("kept").GetBoolean());
        Assert.StartsWith("gw-", root.GetProperty("tid").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("https://127.0.0.1:", root.GetProperty("cloud").GetString(), StringComparison.Ordinal);
        var devices = root.GetProperty("subDevices").EnumerateArray().ToList();
        Assert.Equal(2, devices.Count);
        Assert.All(devices, d =>
        {
            Assert.StartsWith("sd-", d.GetProperty("did").GetString(), StringComparison.Ordinal);
            Assert.True(d.GetProperty("online").GetBoolean());
            Assert.Equal(JsonValueKind.Object, d.GetProperty("lastTelemetry").ValueKind);
        });
        Assert.True(devices[0].GetProperty("lastTelemetry").TryGetProperty("temperature", out _));
        Assert.True(devices[1].GetProperty("lastTelemetry").GetProperty("on").GetBoolean());
        var reply = root.GetProperty("commandReply");
        Assert.True(reply.GetProperty("ok").GetBoolean());
        Assert.True(reply.GetProperty("result").GetProperty("on").GetBoolean());
        var steps = root.GetProperty("steps").EnumerateArray().ToList();
        Assert.All(steps, s => Assert.Equal("ok", s.GetProperty("outcome").GetString()));
        Assert.Equal(["cloud", "gateway", "label", "sub-devices", "signup", "login", "provision", "subdevices add", "subdevices add", "telemetry", "command", "gateways", "stop"],
            steps.Select(s => s.GetProperty("step").GetString()));
        Assert.False(Directory.Exists(dataDir));
    }

    [Fact]
    public async Task A_cloud_port_in_use_fails_the_cloud_step_with_exit_20_and_leaves_nothing_behind()
    {
        var dataDir = NewDataDir();
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;

        var result = await CliRunner.RunAsync("demo", "--data-dir", dataDir, "--cloud-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(20, result.ExitCode);
        Assert.Contains("error: demo failed at step 'cloud': the cloud did not start on 127.0.0.1:" + port, result.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  provision +.* not run$", result.Stdout);
        Assert.False(Directory.Exists(dataDir));
    }

    [Fact]
    public async Task A_wrong_wifi_password_fails_the_provision_step_with_the_commands_exit_code_and_everything_stops()
    {
        var dataDir = NewDataDir();
        var result = await CliRunner.RunAsync("demo", "--data-dir", dataDir, "--wifi-password", "not the router's password", "--json", "--timeout", "20");

        Assert.Equal(12, result.ExitCode); // the provision command's Wi-Fi failure
        using var summary = JsonDocument.Parse(result.Stdout);
        var root = summary.RootElement;
        Assert.Equal("failed", root.GetProperty("outcome").GetString());
        Assert.Equal("provision", root.GetProperty("failedStep").GetString());
        Assert.Contains("provision", root.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("error: demo failed at step 'provision'", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not the router's password", result.Stdout + result.Stderr, StringComparison.Ordinal);
        var stop = root.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "stop");
        Assert.Equal("ok", stop.GetProperty("outcome").GetString());
        // Everything stopped: the cloud's port refuses connections, and the files are gone.
        var cloud = new Uri(root.GetProperty("cloud").GetString()!);
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, cloud.Port));
        Assert.False(Directory.Exists(dataDir));
    }

    [Fact]
    public async Task With_watch_the_demo_prints_live_telemetry_until_cancelled_then_stops_cleanly()
    {
        var dataDir = NewDataDir();
        // Two sensor readings after the summary = live telemetry is flowing; then the user stops it.
        var stdout = new SignallingWriter(@"^  \d\d:\d\d:\d\d  sensor-1 ", count: 2);
        using var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = Cli.RunAsync(["demo", "--data-dir", dataDir, "--sub-devices", "2", "--watch"], stdout, stderr, new StringReader(""), stop.Token);

        await stdout.Seen.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(Directory.Exists(dataDir), "the demo should still be running");
        await stop.CancelAsync();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(60));

        var text = stdout.ToString();
        Assert.True(exit == 0, $"exit {exit}\n{text}\n{stderr}");
        Assert.Contains("watching: live telemetry", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  stop +.* ok$", text);
        Assert.Contains("ok: demo finished", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataDir));
    }

    [Fact]
    public async Task Cancelled_before_the_end_the_demo_exits_130_with_everything_stopped_and_the_rest_not_run()
    {
        var dataDir = NewDataDir();
        // The user presses Ctrl+C as soon as the gateway is provisioned.
        var stdout = new SignallingWriter(@"^ok +provision ", count: 1);
        using var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = Cli.RunAsync(["demo", "--data-dir", dataDir], stdout, stderr, new StringReader(""), stop.Token);

        await stdout.Seen.WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(60));

        var text = stdout.ToString();
        Assert.True(exit == 130, $"exit {exit}\n{text}\n{stderr}");
        Assert.Contains("stopped: demo interrupted after", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  command +.* not run$", text);
        Assert.Matches(@"(?m)^  stop +.* ok$", text);
        Assert.False(Directory.Exists(dataDir));
    }

    [Fact]
    public async Task Keep_leaves_the_data_directory_no_secret_is_printed_and_bad_options_are_usage_errors()
    {
        var dataDir = NewDataDir();
        try
        {
            var kept = await CliRunner.RunAsync("demo", "--data-dir", dataDir, "--sub-devices", "1", "--keep");
            Assert.True(kept.ExitCode == 0, kept.ToString());
            Assert.True(File.Exists(Path.Combine(dataDir, "cloud", "cloud.db")));
            Assert.True(File.Exists(Path.Combine(dataDir, "gateway", "state", "registration.json")));
            Assert.Contains($"data kept in {dataDir}", kept.Stdout, StringComparison.Ordinal);

            // No secret of the run reached the output: the setup codes, the verification code, the
            // router's and the account's passwords (typed as ***), the token, the keys.
            var secrets = new List<string>();
            using (var identity = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "gateway", "state", "identity.json"))))
            {
                var code = identity.RootElement.GetProperty("setupCode").GetString()!;
                secrets.AddRange([code, code.Replace("-", "", StringComparison.Ordinal), identity.RootElement.GetProperty("verificationCode").GetString()!]);
            }
            using (var world = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "gateway", "networks.json"))))
            {
                secrets.AddRange(world.RootElement.GetProperty("networks").EnumerateArray()
                    .Where(n => n.TryGetProperty("password", out _)).Select(n => n.GetProperty("password").GetString()!));
            }
            using (var session = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "app", "session.json"))))
            {
                secrets.Add(session.RootElement.GetProperty("token").GetString()!);
            }
            using (var creds = JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDir, "subdevices", "switch-1", "creds.json"))))
            {
                secrets.Add(creds.RootElement[0].GetProperty("localKey").GetString()!);
            }
            Assert.Equal(7, secrets.Count);
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, kept.Stdout + kept.Stderr, StringComparison.Ordinal));
            Assert.Contains("setup code ***", kept.Stdout, StringComparison.Ordinal);
            Assert.Contains("(password ***)", kept.Stdout, StringComparison.Ordinal);

            var notEmpty = await CliRunner.RunAsync("demo", "--data-dir", dataDir);
            Assert.Equal(1, notEmpty.ExitCode);
            Assert.Contains("is not empty", notEmpty.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
        var none = await CliRunner.RunAsync("demo", "--sub-devices", "0");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("--sub-devices must be 1..16", none.Stderr, StringComparison.Ordinal);
    }

    private static string NewDataDir() =>
        Path.Combine(Path.GetTempPath(), "pi-demo-test-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>A writer that completes <see cref="Seen"/> once <c>count</c> lines matched a pattern.</summary>
    private sealed class SignallingWriter(string pattern, int count) : StringWriter
    {
        private readonly System.Text.RegularExpressions.Regex _pattern = new(pattern, System.Text.RegularExpressions.RegexOptions.Multiline);
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _line = new();
        private readonly Lock _lock = new();
        private int _matches;

        public Task Seen => _seen.Task;

        public override void Write(char value)
        {
            lock (_lock)
            {
                base.Write(value);
                if (value != '\n')
                {
                    _line.Append(value);
                    return;
                }
                if (_pattern.IsMatch(_line.ToString()) && ++_matches >= count)
                {
                    _seen.TrySetResult();
                }
                _line.Clear();
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "")
            {
                Write(c);
            }
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write('\n');
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return base.ToString();
            }
        }
    }
}
