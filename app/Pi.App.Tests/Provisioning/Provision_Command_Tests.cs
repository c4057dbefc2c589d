using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Pi.App.Cloud;
using Pi.App.Provisioning;
using Pi.Cloud.Testing;
using Pi.Gateway.Core;
using Pi.Protocol.Crypto;
using Spectre.Console.Testing;
using Pi.Protocol.Labels;

namespace Pi.App.Tests.Provisioning;

/// <summary>
/// <c>provision</c> through <see cref="Cli.RunAsync(string[], TextWriter, TextWriter, TextReader, CancellationToken)"/>
/// against the real gateway service (simulated radio, loopback) and the real cloud host.
/// </summary>
public sealed class Provision_Command_Tests : IClassFixture<CloudFixture>, IDisposable
{
    private const string UserPassword = "correct horse battery";
    private readonly CloudFixture _cloud;
    private readonly string _configDir = Directory.CreateTempSubdirectory("pi-app-prov-").FullName;
    private readonly List<CliResult> _runs = [];

    public Provision_Command_Tests(CloudFixture cloud)
    {
        _cloud = cloud;
    }

    public void Dispose() => Directory.Delete(_configDir, recursive: true);

    [Fact]
    public async Task Provisions_binds_and_sees_the_gateway_online_then_an_online_gateway_no_longer_answers()
    {
        await using var gateway = await ServiceGateway.StartAsync(_cloud.Host);
        var user = await LogInAsync();

        var result = await RunAsync(ServiceGateway.RouterPassword + "\n",
            ["provision", "--qr", gateway.Qr, "--ssid", ServiceGateway.Ssid, "--password-stdin", "--verification-code", gateway.VerificationCode, "--no-input", "--json", .. gateway.SearchArgs()]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var registration = (await gateway.Store.LoadRegistrationAsync(default)).Value!;
        using (var json = JsonDocument.Parse(result.Stdout))
        {
            var root = json.RootElement;
            Assert.Equal("connected", root.GetProperty("outcome").GetString());
            Assert.Equal(registration.Tid, root.GetProperty("tid").GetString());
            Assert.Equal(gateway.Mac, root.GetProperty("mac").GetString());
            Assert.Equal(ServiceGateway.Ssid, root.GetProperty("ssid").GetString());
            Assert.Equal(ServiceGateway.RouterIp, root.GetProperty("ip").GetString());
            Assert.True(root.GetProperty("online").GetBoolean());
            Assert.True(root.GetProperty("bound").GetBoolean());
            Assert.False(root.TryGetProperty("secrets", out _));
        }
        // Progress went to standard error, one line per step.
        foreach (var step in new[] { "search:", "session:", "wifi:", "register:", "handover:", "bind:", "online:" })
        {
            Assert.Contains(step, result.Stderr, StringComparison.Ordinal);
        }
        await gateway.WaitForAsync(GatewayState.Online);

        // The cloud: bound to this user and online, as `gateways` shows it.
        using (var list = JsonDocument.Parse((await RunOkAsync("gateways", "--json")).Stdout))
        {
            var view = Assert.Single(list.RootElement.EnumerateArray());
            Assert.Equal(registration.Tid, view.GetProperty("tid").GetString());
            Assert.True(view.GetProperty("online").GetBoolean());
        }

        // Provisioned and online, the real gateway has stopped its softAP listener: a search hears
        // already_provisioned (docs/protocol.md section 5, rule 6) and no session is offered.
        var responder = await gateway.ResponderEndPointAsync();
        var again = await RunAsync(ServiceGateway.RouterPassword + "\n",
            ["provision", "--qr", gateway.Qr, "--ssid", ServiceGateway.Ssid, "--password-stdin", "--no-input", .. gateway.SearchArgs(searchEndPoint: responder)]);
        Assert.True(again.ExitCode == Cli.DeviceBusy, again.ToString());
        Assert.Contains("failed at step search", again.Stdout, StringComparison.Ordinal);
        Assert.Contains("already provisioned", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("reset", again.Stderr, StringComparison.Ordinal);

        AssertNoSecretPrinted(gateway.Identity.SetupCode.ToCanonicalString(), gateway.Identity.SetupCode.ToDisplayString(), gateway.VerificationCode,
            ServiceGateway.RouterPassword, registration.Password.Reveal(), registration.AccessKey.ToBase64(), registration.LocalKey.ToBase64(), new SessionStore(_configDir).Load().Token);
    }

    [Fact]
    public async Task A_wrong_wifi_password_exits_12_with_the_reason_and_a_rerun_with_the_right_one_connects()
    {
        await using var gateway = await ServiceGateway.StartAsync(_cloud.Host);
        await LogInAsync();

        var wrong = await RunAsync("", ["provision", "--mac", gateway.Identity.Mac, "--setup-code", gateway.Identity.SetupCode.ToDisplayString(),
            "--ssid", ServiceGateway.Ssid, "--password", "not the password", "--verification-code", gateway.VerificationCode, .. gateway.SearchArgs()]);

        Assert.Equal(Cli.WifiFailure, wrong.ExitCode);
        Assert.Contains("wrong_password", wrong.Stderr, StringComparison.Ordinal);
        Assert.Contains("next: check the password of home", wrong.Stderr, StringComparison.Ordinal);
        Assert.Contains("failed at step wifi", wrong.Stdout, StringComparison.Ordinal);
        // Plain progress on standard output: the device info and the networks with their signal.
        Assert.Contains("search: found " + gateway.Mac, wrong.Stdout, StringComparison.Ordinal);
        Assert.Contains("-45 dBm", wrong.Stdout, StringComparison.Ordinal);
        Assert.Contains("-72 dBm", wrong.Stdout, StringComparison.Ordinal);
        await gateway.WaitForAsync(GatewayState.Unprovisioned);

        var right = await RunAsync(ServiceGateway.RouterPassword + "\n", ["provision", "--qr", gateway.Qr, "--ssid", ServiceGateway.Ssid, "--password-stdin",
            "--verification-code", gateway.VerificationCode, "--json", "--show-secrets", .. gateway.SearchArgs()]);

        Assert.True(right.ExitCode == 0, right.ToString());
        var registration = (await gateway.Store.LoadRegistrationAsync(default)).Value!;
        using var json = JsonDocument.Parse(right.Stdout);
        Assert.Equal("connected", json.RootElement.GetProperty("outcome").GetString());
        var secrets = json.RootElement.GetProperty("secrets");
        Assert.Equal(gateway.Identity.SetupCode.ToDisplayString(), secrets.GetProperty("setupCode").GetString());
        Assert.Equal(ServiceGateway.RouterPassword, secrets.GetProperty("wifiPassword").GetString());
        Assert.Equal(registration.Password.Reveal(), secrets.GetProperty("password").GetString());
        Assert.Equal(registration.AccessKey.ToBase64(), secrets.GetProperty("accessKey").GetString());
        Assert.Equal(registration.LocalKey.ToBase64(), secrets.GetProperty("localKey").GetString());
        // Never in errors or progress, even with --show-secrets.
        Assert.DoesNotContain(registration.Password.Reveal(), right.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not the password", wrong.Stdout + wrong.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_interactive_pick_asks_again_after_a_wrong_password_in_the_same_session()
    {
        await using var gateway = await ServiceGateway.StartAsync(_cloud.Host);
        await LogInAsync();
        using var console = new TestConsole().Interactive();
        console.Input.PushKey(ConsoleKey.Enter);               // the first (strongest) network: home
        console.Input.PushTextWithEnter("not the password");
        console.Input.PushKey(ConsoleKey.Enter);               // home again
        console.Input.PushTextWithEnter(ServiceGateway.RouterPassword);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await Cli.RunAsync(
            ["provision", "--qr", gateway.Qr, "--verification-code", gateway.VerificationCode, "--config-dir", _configDir, .. gateway.SearchArgs()],
            stdout, stderr, new StringReader(""), console);

        var shown = console.Output;
        Assert.True(exit == 0, $"exit {exit}\n{shown}\n{stderr}");
        Assert.Contains("Which network should the gateway join?", shown, StringComparison.Ordinal);
        Assert.Contains("home  -45 dBm", shown, StringComparison.Ordinal);
        Assert.Contains("cafe  -72 dBm", shown, StringComparison.Ordinal);
        Assert.Contains("wrong_password", shown, StringComparison.Ordinal);
        Assert.Contains("connected: gw-", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(ServiceGateway.RouterPassword, shown, StringComparison.Ordinal);
        Assert.DoesNotContain("not the password", shown, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.Identity.SetupCode.ToCanonicalString(), shown + stderr, StringComparison.Ordinal);
        await gateway.WaitForAsync(GatewayState.Online);
    }

    [Fact]
    public async Task No_gateway_exits_9_and_a_wrong_setup_code_exits_9_naming_the_setup_code()
    {
        await using var gateway = await ServiceGateway.StartAsync(_cloud.Host);
        await LogInAsync();

        var nobody = await RunAsync("", ["provision", "--mac", "02:00:00:00:00:99", "--setup-code", SetupCode.Generate().ToDisplayString(), "--ssid", "home", "--password", "x",
            "--search", $"127.0.0.1:{FreePorts.Udp()}", "--answer-port", FreePorts.Udp().ToString(System.Globalization.CultureInfo.InvariantCulture), "--timeout", "1", "--json"]);
        Assert.Equal(Cli.NoDevice, nobody.ExitCode);
        using (var json = JsonDocument.Parse(nobody.Stdout))
        {
            Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
            Assert.Equal("search", json.RootElement.GetProperty("step").GetString());
            Assert.Contains("no device answered", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("next").GetString()));
        }

        // The real gateway stays silent to a search sealed under another setup code (rule 2).
        var otherCode = SetupCode.Generate().ToDisplayString();
        var wrongCode = await RunAsync("", ["provision", "--mac", gateway.Identity.Mac, "--setup-code", otherCode, "--ssid", "home", "--password", "x", .. gateway.SearchArgs(timeoutSeconds: 1.5)]);
        Assert.Equal(Cli.NoDevice, wrongCode.ExitCode);
        Assert.Contains("setup code", wrongCode.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(otherCode, wrongCode.Stdout + wrongCode.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(SetupCode.Parse(otherCode).ToCanonicalString(), wrongCode.Stdout + wrongCode.Stderr, StringComparison.Ordinal);
        Assert.Equal(GatewayState.Unprovisioned, gateway.Runner.State);
    }

    [Fact]
    public async Task A_gateway_another_APP_is_provisioning_refuses_the_session_with_exit_11()
    {
        await using var gateway = await ServiceGateway.StartAsync(_cloud.Host);
        await LogInAsync();
        using var other = new ProvisioningClient(gateway.Identity.Mac, ProvisioningSecret.FromSetupCode(gateway.Identity.SetupCode), new SearchOptions
        {
            SearchEndPoint = gateway.SearchEndPoint,
            AnswerPort = gateway.AnswerPort,
            Timeout = TestTimeouts.Wait,
        });
        await using var held = await other.SearchAndConnectAsync(TestTimeouts.Token());
        await held.GetSsidListAsync(cancellationToken: TestTimeouts.Token()); // the session is now the other APP's

        var busy = await RunAsync("", ["provision", "--qr", gateway.Qr, "--ssid", "home", "--password", "x", "--json", .. gateway.SearchArgs()]);

        Assert.Equal(Cli.DeviceBusy, busy.ExitCode);
        using var json = JsonDocument.Parse(busy.Stdout);
        Assert.Equal("session", json.RootElement.GetProperty("step").GetString());
        Assert.Contains("busy", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_cloud_exits_3_at_the_registration()
    {
        await using var gateway = await ServiceGateway.StartAsync(_cloud.Host);
        var store = new SessionStore(_configDir);
        store.Save(new SessionFile($"https://127.0.0.1:{FreePorts.Tcp()}/", "nobody@example.test", "token-" + Guid.NewGuid().ToString("N"),
            DateTimeOffset.UtcNow.AddHours(1), Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), _cloud.Trust));

        var result = await RunAsync("", ["provision", "--qr", gateway.Qr, "--ssid", "home", "--password", ServiceGateway.RouterPassword, "--json", .. gateway.SearchArgs()]);

        Assert.Equal(Cli.CloudUnreachable, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("register", json.RootElement.GetProperty("step").GetString());
        Assert.Contains("cannot reach the cloud", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ServiceGateway.RouterPassword, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gateway_bound_to_another_user_ends_as_already_bound_with_exit_6()
    {
        await using var gateway = await ServiceGateway.StartAsync(_cloud.Host);
        // Its earlier owner registered and bound it (then it was reset where it could not reach the cloud).
        var owner = await _cloud.Host.NewUserAsync();
        var device = (gateway.Identity.Mac, gateway.Identity.Uuid, gateway.Identity.Sn, gateway.VerificationCode);
        var earlier = await owner.RegisterAsync(device);
        (await owner.BindAsync(earlier.Tid, gateway.VerificationCode)).EnsureSuccessStatusCode();
        await LogInAsync();

        var result = await RunAsync("", ["provision", "--qr", gateway.Qr, "--ssid", "home", "--password", ServiceGateway.RouterPassword, "--json", .. gateway.SearchArgs()]);

        Assert.Equal(Cli.Conflict, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("already_bound", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(earlier.Tid, json.RootElement.GetProperty("tid").GetString());
        Assert.Contains("already_bound", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("reset", json.RootElement.GetProperty("next").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_answers_without_a_terminal_are_usage_errors()
    {
        await LogInAsync();
        var code = SetupCode.Generate().ToDisplayString();
        Assert.Equal(Cli.UsageError, (await RunAsync("", ["provision", "--mac", "02:00:00:00:00:01", "--setup-code", code, "--no-input"])).ExitCode);
        Assert.Equal(Cli.UsageError, (await RunAsync("", ["provision", "--mac", "02:00:00:00:00:01", "--setup-code", code])).ExitCode);
        Assert.Equal(Cli.UsageError, (await RunAsync("", ["provision", "--qr", "PIGW:1;M:02:00:00:00:00:01;S:" + code + ";", "--mac", "02:00:00:00:00:01", "--ssid", "x"])).ExitCode);
        Assert.Equal(Cli.UsageError, (await RunAsync("", ["provision", "--qr", "PIGW:2;M:02:00:00:00:00:01;", "--ssid", "x"])).ExitCode);
        Assert.Equal(Cli.UsageError, (await RunAsync("", ["provision", "--mac", "nope", "--setup-code", code, "--ssid", "x"])).ExitCode);
        AssertNoSecretPrinted(code, SetupCode.Parse(code).ToCanonicalString());
    }

    private async Task<AppUser> LogInAsync()
    {
        var user = await _cloud.Host.NewUserAsync();
        await RunOkAsync("login", "--cloud", _cloud.Url, "--email", user.Email, "--password", UserPassword, "--trust", _cloud.Trust);
        return user;
    }

    private void AssertNoSecretPrinted(params string[] secrets)
    {
        foreach (var run in _runs)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, run.Stdout, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, run.Stderr, StringComparison.Ordinal);
            }
        }
    }

    private async Task<CliResult> RunAsync(string stdin, string[] args)
    {
        var result = await CliRunner.RunWithStdinAsync(stdin, [.. args, "--config-dir", _configDir]);
        _runs.Add(result);
        return result;
    }

    private async Task<CliResult> RunOkAsync(params string[] args)
    {
        var result = await RunAsync("", args);
        Assert.True(result.ExitCode == 0, string.Join(' ', args) + "\n" + result);
        return result;
    }
}

/// <summary>The QR label text as the app reads it (the gateway's format, version 1).</summary>
public sealed class Label_Payload_Tests
{
    [Fact]
    public void Reads_the_gateways_label_and_refuses_what_is_not_one_without_repeating_the_text()
    {
        var code = SetupCode.Generate();
        Assert.True(QrPayload.TryParse($"  PIGW:1;N:pi\\;gw;X:ignored;M:b8:27:eb:12:34:56;S:{code.ToCanonicalString()};\n", out var payload, out _));
        Assert.Equal(("B8:27:EB:12:34:56", code, "pi;gw"), (payload!.Mac, payload.SetupCode, payload.Ssid));
        Assert.DoesNotContain(code.ToCanonicalString(), payload.ToString(), StringComparison.Ordinal);

        foreach (var bad in new[]
        {
            "", "PIGX:1;", "PIGW:2;M:B8:27:EB:12:34:56;S:" + code.ToCanonicalString() + ";", "PIGW:1;M:B8:27:EB:12:34;S:" + code.ToCanonicalString() + ";",
            "PIGW:1;M:B8:27:EB:12:34:56;", "PIGW:1;M:B8:27:EB:12:34:56;S:" + code.ToCanonicalString(), "PIGW:1;M:B8:27:EB:12:34:56;M:B8:27:EB:12:34:56;S:x;",
            "PIGW:1;M:B8:27:EB:12:34:56;S:" + code.ToCanonicalString()[..10] + ";",
        })
        {
            Assert.False(QrPayload.TryParse(bad, out _, out var error), bad);
            Assert.DoesNotContain(code.ToCanonicalString(), error, StringComparison.Ordinal);
        }
    }
}
