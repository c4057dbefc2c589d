using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pi.Cloud.Testing;

namespace Pi.App.Tests;

/// <summary>One real cloud (TLS on its development certificate, SQLite) for the cloud command tests.</summary>
public sealed class CloudFixture : IAsyncLifetime
{
    public CloudHost Host { get; private set; } = null!;

    public string Url => Host.BaseAddress.ToString();

    public string Trust => Convert.ToHexStringLower(Host.CertificateHash!);

    public async Task InitializeAsync() => Host = await CloudHost.StartAsync("sqlite");

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>signup, login, logout, gateways, rotate-keys, send, subdevices remove against the real cloud.</summary>
public sealed class Cloud_Command_Tests : IClassFixture<CloudFixture>, IDisposable
{
    private const string TestUserPassword = "correct horse battery";
    private readonly CloudFixture _cloud;
    private readonly string _configDir = Directory.CreateTempSubdirectory("pi-app-test-").FullName;
    private readonly List<CliResult> _runs = [];

    public Cloud_Command_Tests(CloudFixture cloud)
    {
        _cloud = cloud;
    }

    public void Dispose() => Directory.Delete(_configDir, recursive: true);

    private string SessionPath => Path.Combine(_configDir, "session.json");

    [Fact]
    public async Task Signup_login_logout_round_trip_keeps_the_token_in_a_0600_file_and_never_prints_secrets()
    {
        var email = NewEmail();
        const string password = "a long enough secret";

        var signup = await RunOkAsync("signup", "--cloud", _cloud.Url, "--email", email, "--password", password, "--trust", _cloud.Trust, "--json");
        using (var output = JsonDocument.Parse(signup.Stdout))
        {
            Assert.Equal(email, output.RootElement.GetProperty("email").GetString());
            Assert.Equal(_cloud.Trust, output.RootElement.GetProperty("trust").GetString());
            Assert.False(output.RootElement.TryGetProperty("token", out _));
        }
        var token = ReadSession().GetProperty("token").GetString()!;
        Assert.Equal(16, Convert.FromBase64String(ReadSession().GetProperty("nonce").GetString()!).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SessionPath));
        }
        Assert.Empty(Directory.GetFiles(_configDir, "*.tmp"));

        Assert.Equal("[]", (await RunOkAsync("gateways", "--json")).Line);
        Assert.Contains("no gateways", (await RunOkAsync("gateways")).Stdout, StringComparison.Ordinal);

        await RunOkAsync("logout");
        Assert.False(File.Exists(SessionPath));
        var afterLogout = await RunAsync("gateways");
        Assert.Equal(Cli.NotAuthorized, afterLogout.ExitCode);
        Assert.Contains("not logged in", afterLogout.Stderr, StringComparison.Ordinal);

        // The old token no longer works on the cloud.
        using (var client = _cloud.Host.CreateClient())
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/gateways", UriKind.Relative))).StatusCode);
        }

        // The password from standard input; the trust comes from the command line again.
        var login = await RunWithStdinAsync(password + "\n", "login", "--cloud", _cloud.Url, "--email", email, "--trust", _cloud.Trust);
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("logged in", login.Stdout, StringComparison.Ordinal);
        var newToken = ReadSession().GetProperty("token").GetString()!;
        Assert.NotEqual(token, newToken);
        await RunOkAsync("gateways", "--json");

        // Logging in again takes the cloud and the fingerprint from the current session.
        await RunOkAsync("login", "--email", email, "--password", password);
        Assert.Equal(_cloud.Trust, ReadSession().GetProperty("trust").GetString());
        var thirdToken = ReadSession().GetProperty("token").GetString()!;
        await RunOkAsync("gateways");

        AssertNoSecretPrinted(password, token, newToken, thirdToken);
    }

    [Fact]
    public async Task Signing_up_twice_with_one_email_is_a_conflict()
    {
        var email = NewEmail();
        await RunOkAsync("signup", "--cloud", _cloud.Url, "--email", email, "--password", "first password!", "--trust", _cloud.Trust);
        var again = await RunAsync("signup", "--cloud", _cloud.Url, "--email", email, "--password", "second password", "--trust", _cloud.Trust);
        Assert.Equal(Cli.Conflict, again.ExitCode);
        AssertNoSecretPrinted("first password!", "second password");
    }

    [Fact]
    public async Task A_wrong_password_exits_4_and_is_not_printed()
    {
        var user = await _cloud.Host.NewUserAsync();
        var result = await RunAsync("login", "--cloud", _cloud.Url, "--email", user.Email, "--password", "wrong password 123", "--trust", _cloud.Trust);
        Assert.Equal(Cli.NotAuthorized, result.ExitCode);
        Assert.Contains("bad_credentials", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(SessionPath));
        AssertNoSecretPrinted("wrong password 123");
    }

    [Fact]
    public async Task An_untrusted_certificate_exits_3_and_names_its_fingerprint()
    {
        var user = await _cloud.Host.NewUserAsync();
        var result = await RunAsync("login", "--cloud", _cloud.Url, "--email", user.Email, "--password", TestUserPassword);
        Assert.Equal(Cli.CloudUnreachable, result.ExitCode);
        Assert.Contains("not trusted", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--trust " + _cloud.Trust, result.Stderr, StringComparison.Ordinal);

        var wrongPin = await RunAsync("login", "--cloud", _cloud.Url, "--email", user.Email, "--password", TestUserPassword, "--trust", new string('a', 64));
        Assert.Equal(Cli.CloudUnreachable, wrongPin.ExitCode);
        Assert.False(File.Exists(SessionPath));
        AssertNoSecretPrinted(TestUserPassword);
    }

    [Fact]
    public async Task A_cloud_that_is_not_running_exits_3()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await RunAsync("login", "--cloud", $"https://127.0.0.1:{port}", "--email", NewEmail(), "--password", TestUserPassword, "--trust", _cloud.Trust);
        Assert.Equal(Cli.CloudUnreachable, result.ExitCode);
        Assert.Contains("cannot reach the cloud", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_cloud_url_or_fingerprint_is_a_usage_error()
    {
        Assert.Equal(Cli.UsageError, (await RunAsync("login", "--cloud", "http://127.0.0.1:1", "--email", NewEmail(), "--password", TestUserPassword)).ExitCode);
        Assert.Equal(Cli.UsageError, (await RunAsync("login", "--cloud", _cloud.Url, "--email", NewEmail(), "--password", TestUserPassword, "--trust", "abcd")).ExitCode);
        Assert.Equal(Cli.UsageError, (await RunAsync("login", "--cloud", _cloud.Url, "--email", NewEmail())).ExitCode);
    }

    [Fact]
    public async Task Gateways_rotate_keys_send_and_remove_against_a_registered_gateway()
    {
        var user = await _cloud.Host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await RunOkAsync("login", "--cloud", _cloud.Url, "--email", user.Email, "--password", TestUserPassword, "--trust", _cloud.Trust);

        var list = await RunOkAsync("gateways", "--json");
        using (var gateways = JsonDocument.Parse(list.Stdout))
        {
            var gateway = Assert.Single(gateways.RootElement.EnumerateArray());
            Assert.Equal(registration.Tid, gateway.GetProperty("tid").GetString());
            Assert.False(gateway.GetProperty("online").GetBoolean());
        }
        var table = await RunOkAsync("gateways");
        Assert.StartsWith("TID", table.Stdout, StringComparison.Ordinal);
        Assert.Contains(registration.Tid, table.Stdout, StringComparison.Ordinal);
        Assert.Contains("never", table.Stdout, StringComparison.Ordinal);

        var rotated = await RunOkAsync("rotate-keys", registration.Tid, "--json");
        using (var answer = JsonDocument.Parse(rotated.Stdout))
        {
            Assert.Equal(registration.Tid, answer.RootElement.GetProperty("tid").GetString());
            Assert.NotEqual(registration.KeyId, answer.RootElement.GetProperty("keyId").GetUInt32());
            Assert.False(answer.RootElement.GetProperty("delivered").GetBoolean());
        }
        Assert.Contains("offline", (await RunOkAsync("rotate-keys", registration.Tid)).Stdout, StringComparison.Ordinal);

        var offline = await RunAsync("send", registration.Tid, "state", "--args", "{\"x\":1}", "--timeout-ms", "2000");
        Assert.Equal(Cli.DeviceError, offline.ExitCode);
        Assert.Contains("offline", offline.Stderr, StringComparison.Ordinal);
        Assert.Empty(offline.Stdout);

        var badArgs = await RunAsync("send", registration.Tid, "state", "--args", "{not json");
        Assert.Equal(Cli.UsageError, badArgs.ExitCode);

        var unknownDid = await RunAsync("subdevices", "remove", registration.Tid, "sd-00000000000000000000", "--json");
        Assert.Equal(Cli.NotFound, unknownDid.ExitCode);
        Assert.Contains("unknown_device", unknownDid.Stderr, StringComparison.Ordinal);

        AssertNoSecretPrinted(TestUserPassword, ReadSession().GetProperty("token").GetString()!, registration.Password, registration.AccessKey, registration.LocalKey);
    }

    [Fact]
    public async Task Send_prints_an_online_gateways_reply_and_exits_7_on_an_error_reply()
    {
        var user = await _cloud.Host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = await OnlineGateway.StartAsync(_cloud.Host, registration);
        await RunOkAsync("login", "--cloud", _cloud.Url, "--email", user.Email, "--password", TestUserPassword, "--trust", _cloud.Trust);

        using (var list = JsonDocument.Parse((await RunOkAsync("gateways", "--json")).Stdout))
        {
            Assert.True(Assert.Single(list.RootElement.EnumerateArray()).GetProperty("online").GetBoolean());
        }
        Assert.Contains(" yes ", (await RunOkAsync("gateways")).Stdout, StringComparison.Ordinal);

        Assert.Equal("true", (await RunOkAsync("send", registration.Tid, "ping")).Line);
        using (var reply = JsonDocument.Parse((await RunOkAsync("send", registration.Tid, "ping", "--json", "--timeout-ms", "5000")).Stdout))
        {
            Assert.True(reply.RootElement.GetProperty("ok").GetBoolean());
            Assert.True(reply.RootElement.GetProperty("result").GetBoolean());
        }

        var unknown = await RunAsync("send", registration.Tid, "no-such-command");
        Assert.Equal(Cli.DeviceError, unknown.ExitCode);
        Assert.Contains("unknown_command", unknown.Stderr, StringComparison.Ordinal);
        Assert.Empty(unknown.Stdout);
        var unknownJson = await RunAsync("send", registration.Tid, "no-such-command", "--json");
        Assert.Equal(Cli.DeviceError, unknownJson.ExitCode);
        using (var reply = JsonDocument.Parse(unknownJson.Stdout))
        {
            Assert.False(reply.RootElement.GetProperty("ok").GetBoolean());
            Assert.Equal("unknown_command", reply.RootElement.GetProperty("errorCode").GetString());
        }

        using (var rotated = JsonDocument.Parse((await RunOkAsync("rotate-keys", registration.Tid, "--json")).Stdout))
        {
            Assert.True(rotated.RootElement.GetProperty("delivered").GetBoolean());
        }
        AssertNoSecretPrinted(TestUserPassword, registration.Password, registration.AccessKey, registration.LocalKey);
    }

    [Fact]
    public async Task An_ended_token_or_a_damaged_session_file_exits_4()
    {
        var user = await _cloud.Host.NewUserAsync();
        await RunOkAsync("login", "--cloud", _cloud.Url, "--email", user.Email, "--password", TestUserPassword, "--trust", _cloud.Trust);
        var saved = File.ReadAllText(SessionPath);
        await RunOkAsync("logout");
        File.WriteAllText(SessionPath, saved);

        var ended = await RunAsync("gateways");
        Assert.Equal(Cli.NotAuthorized, ended.ExitCode);
        Assert.Contains("log in again", ended.Stderr, StringComparison.Ordinal);
        // Logging out with an ended token still deletes the file.
        await RunOkAsync("logout");
        Assert.False(File.Exists(SessionPath));

        File.WriteAllText(SessionPath, "{not json");
        var damaged = await RunAsync("gateways");
        Assert.Equal(Cli.NotAuthorized, damaged.ExitCode);
        Assert.Contains("damaged", damaged.Stderr, StringComparison.Ordinal);
        AssertNoSecretPrinted(TestUserPassword);
    }

    [Fact]
    public async Task Gateways_shows_key_expiry_warnings()
    {
        await using var host = await CloudHost.StartAsync("sqlite", new Dictionary<string, string?> { ["Cloud:Keys:KeyValidityDays"] = "5" });
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await RunOkAsync("login", "--cloud", host.BaseAddress.ToString(), "--email", user.Email, "--password", TestUserPassword, "--trust", Convert.ToHexString(host.CertificateHash!));

        var table = await RunOkAsync("gateways");
        var row = Assert.Single(table.Stdout.Split('\n'), line => line.StartsWith(registration.Tid, StringComparison.Ordinal));
        Assert.EndsWith("key_expiring", row.TrimEnd('\r'), StringComparison.Ordinal);
        Assert.Contains($"warning: {registration.Tid}: key_expiring: ", table.Stderr, StringComparison.Ordinal);

        using var json = JsonDocument.Parse((await RunOkAsync("gateways", "--json")).Stdout);
        var warning = Assert.Single(Assert.Single(json.RootElement.EnumerateArray()).GetProperty("warnings").EnumerateArray());
        Assert.Equal("key_expiring", warning.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Another_users_gateway_is_refused()
    {
        var owner = await _cloud.Host.NewUserAsync();
        var registration = await owner.RegisterAndBindAsync();
        var other = await _cloud.Host.NewUserAsync();
        await RunOkAsync("login", "--cloud", _cloud.Url, "--email", other.Email, "--password", TestUserPassword, "--trust", _cloud.Trust);

        Assert.Equal("[]", (await RunOkAsync("gateways", "--json")).Line);
        var rotate = await RunAsync("rotate-keys", registration.Tid);
        Assert.True(rotate.ExitCode is Cli.NotAuthorized or Cli.NotFound, rotate.ToString());
        var unknown = await RunAsync("rotate-keys", "gw-0000000000000000");
        Assert.Equal(Cli.NotFound, unknown.ExitCode);
    }

    private static string NewEmail() => $"app-{Guid.NewGuid():N}@example.test";

    private JsonElement ReadSession()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SessionPath));
        return document.RootElement.Clone();
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

    private Task<CliResult> RunAsync(params string[] args) => RunWithStdinAsync(string.Empty, args);

    private async Task<CliResult> RunWithStdinAsync(string stdin, params string[] args)
    {
        var result = await CliRunner.RunWithStdinAsync(stdin, [.. args, "--config-dir", _configDir]);
        _runs.Add(result);
        return result;
    }

    private async Task<CliResult> RunOkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, string.Join(' ', args) + "\n" + result);
        return result;
    }
}
