using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Pi.Cloud.Options;

namespace Pi.Cloud.Tests.Broker;

/// <summary>
/// A real Mosquitto 2 for tests: its own temp directory, a free loopback port, no anonymous
/// access, the dynamic-security plugin with an admin (created by <c>mosquitto_ctrl dynsec init</c>)
/// and the cloud's user with exactly the role docs/broker.md prescribes (created with
/// <c>mosquitto_ctrl</c> over the network, as an operator would). Started by path, stopped by PID.
/// When mosquitto is not installed every test using it fails with the way to install it.
/// </summary>
public sealed class MosquittoServer : IAsyncLifetime
{
    /// <summary>
    /// The dynamic-security admin made by <c>dynsec init</c> (only used to set up the cloud's user).
    /// Broker user names outside the gateways' own contain a '.', which no tid can (docs/broker.md).
    /// </summary>
    public const string AdminUsername = "dynsec.admin";

    /// <summary>The cloud workers' user on the broker.</summary>
    public const string CloudUsername = "pi.cloud";

    /// <summary>The cloud's role: what docs/broker.md tells operators to create.</summary>
    public const string CloudRole = "pi-cloud";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly string[] ProgramDirectories = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin", "/opt/homebrew/sbin"];

    private readonly bool _dynamicSecurity;
    private readonly bool _tls;
    private readonly ConcurrentQueue<string> _log = new();
    private string? _directory;
    private Process? _process;

    /// <summary>A broker with the dynamic-security plugin (what the cloud expects).</summary>
    public MosquittoServer()
        : this(dynamicSecurity: true, tls: false)
    {
    }

    private MosquittoServer(bool dynamicSecurity, bool tls)
    {
        _dynamicSecurity = dynamicSecurity;
        _tls = tls;
    }

    /// <summary>No plugin, anonymous clients allowed: a broker the cloud cannot manage (not yet started).</summary>
    public static MosquittoServer WithoutDynamicSecurity() => new(dynamicSecurity: false, tls: false);

    /// <summary>
    /// Also a TLS listener (<see cref="TlsUrl"/>) with a self-signed certificate for 127.0.0.1 that
    /// no machine trusts (not yet started).
    /// </summary>
    public static MosquittoServer WithTls() => new(dynamicSecurity: true, tls: true);

    public string AdminPassword { get; } = NewSecret();

    public string CloudPassword { get; } = NewSecret();

    /// <summary>The port it listens on (127.0.0.1), fixed across restarts.</summary>
    public int Port { get; private set; }

    public string Url => $"mqtt://127.0.0.1:{Port}";

    /// <summary>With <see cref="WithTls"/>: the TLS listener's port.</summary>
    public int TlsPort { get; private set; }

    public string TlsUrl => $"mqtts://127.0.0.1:{TlsPort}";

    /// <summary>The PID of the running broker, or null while stopped.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>Everything mosquitto logged so far (for failure messages).</summary>
    public string Log => string.Join('\n', _log);

    public Task InitializeAsync() => StartAsync();

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Options for a cloud worker that uses this broker as the cloud's user.</summary>
    public CloudOptions CloudOptions(Action<ExternalBrokerOptions>? configure = null)
    {
        var options = new CloudOptions();
        options.Mqtt.Mode = BrokerMode.External;
        options.Mqtt.External.Url = Url;
        options.Mqtt.External.Username = CloudUsername;
        options.Mqtt.External.Password = CloudPassword;
        options.Mqtt.External.ClientIdPrefix = "pi-cloud-test";
        options.Mqtt.External.MosquittoDynamicSecurity = _dynamicSecurity;
        configure?.Invoke(options.Mqtt.External);
        return options;
    }

    /// <summary>First start: configuration, dynsec file, broker, the cloud's user.</summary>
    public async Task StartAsync()
    {
        if (_directory is not null)
        {
            throw new InvalidOperationException("Already started once; use RestartAsync.");
        }
        var mosquitto = FindProgram("mosquitto");
        _directory = Directory.CreateTempSubdirectory("pi-mosquitto-").FullName;
        if (_dynamicSecurity)
        {
            await RunCtrlAsync(["dynsec", "init", DynsecFile, AdminUsername, AdminPassword]);
        }
        if (_tls)
        {
            WriteSelfSignedCertificate();
        }
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            TlsPort = _tls ? FreePort() : 0;
            WriteConfig();
            var started = await LaunchAsync(mosquitto);
            if (started)
            {
                break;
            }
            if (attempt == 5)
            {
                throw new InvalidOperationException($"mosquitto could not bind a free port after {attempt} tries:\n{Log}");
            }
        }
        if (_dynamicSecurity)
        {
            await CreateCloudUserAsync();
        }
    }

    /// <summary>Kills the broker (by PID) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }
        using (process)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            using var timeout = new CancellationTokenSource(StartTimeout);
            await process.WaitForExitAsync(timeout.Token);
        }
    }

    /// <summary>Starts the stopped broker again on the same port with the same (persisted) dynsec state.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        var mosquitto = FindProgram("mosquitto");
        // The old socket may linger for a moment; a few bounded retries, each waiting for the
        // previous process to exit, cover that.
        for (var attempt = 1; !await LaunchAsync(mosquitto); attempt++)
        {
            if (attempt == 20)
            {
                throw new InvalidOperationException($"mosquitto could not bind port {Port} again:\n{Log}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private string DynsecFile => Path.Combine(_directory!, "dynsec.json");

    private void WriteConfig()
    {
        var config = new StringBuilder()
            .AppendLine("per_listener_settings false")
            .AppendLine(_dynamicSecurity ? "allow_anonymous false" : "allow_anonymous true")
            .AppendLine($"listener {Port} 127.0.0.1")
            .AppendLine("persistence false")
            .AppendLine("set_tcp_nodelay true")
            .AppendLine("log_dest stderr")
            .AppendLine("log_type error")
            .AppendLine("log_type warning")
            .AppendLine("log_type notice")
            .AppendLine("log_type information")
            // Mosquitto started as root drops to the "mosquitto" user, which could not write the
            // dynsec file in our temp directory; naming ourselves keeps it as it is.
            .AppendLine($"user {Environment.UserName}");
        if (_dynamicSecurity)
        {
            config.AppendLine($"plugin {FindDynamicSecurityPlugin()}")
                .AppendLine($"plugin_opt_config_file {DynsecFile}");
        }
        if (_tls)
        {
            config.AppendLine($"listener {TlsPort} 127.0.0.1")
                .AppendLine($"certfile {Path.Combine(_directory!, "cert.pem")}")
                .AppendLine($"keyfile {Path.Combine(_directory!, "key.pem")}");
        }
        File.WriteAllText(Path.Combine(_directory!, "mosquitto.conf"), config.ToString());
    }

    /// <summary>Starts mosquitto and waits for "running" and an accepted TCP connect. False when the port was taken.</summary>
    private async Task<bool> LaunchAsync(string mosquitto)
    {
        var start = new ProcessStartInfo(mosquitto)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Path.Combine(_directory!, "mosquitto.conf"));
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            _log.Enqueue(e.Data);
            if (e.Data.EndsWith(" running", StringComparison.Ordinal))
            {
                running.TrySetResult();
            }
        };
        process.ErrorDataReceived += onLine;
        process.OutputDataReceived += onLine;
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        using var timeout = new CancellationTokenSource(StartTimeout);
        var exited = process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(running.Task, exited);
        if (first == exited || !running.Task.IsCompleted)
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
            if (Log.Contains("Address already in use", StringComparison.Ordinal))
            {
                _log.Enqueue($"(port {Port} was taken; trying again)");
                return false;
            }
            throw new InvalidOperationException($"mosquitto did not start within {StartTimeout.TotalSeconds} s:\n{Log}");
        }
        _process = process;

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        return true;
    }

    /// <summary>The cloud's user and role, made the way docs/broker.md describes.</summary>
    private async Task CreateCloudUserAsync()
    {
        string[][] commands =
        [
            ["createRole", CloudRole],
            // Manage gateway clients and roles through the plugin.
            ["addRoleACL", CloudRole, "publishClientSend", "$CONTROL/dynamic-security/v1", "allow"],
            ["addRoleACL", CloudRole, "subscribeLiteral", "$CONTROL/dynamic-security/v1/response", "allow"],
            ["addRoleACL", CloudRole, "publishClientReceive", "$CONTROL/dynamic-security/v1/response", "allow"],
            // Up traffic and presence, shared among the workers; presence also unshared.
            ["addRoleACL", CloudRole, "subscribeLiteral", "$share/pi-cloud/pi/v2/gw/+/up", "allow"],
            ["addRoleACL", CloudRole, "subscribeLiteral", "$share/pi-cloud/pi/v2/gw/+/availability", "allow"],
            ["addRoleACL", CloudRole, "subscribeLiteral", "pi/v2/gw/+/availability", "allow"],
            // Commands, and "offline" on behalf of an evicted gateway.
            ["addRoleACL", CloudRole, "publishClientSend", "pi/v2/gw/+/down", "allow"],
            ["addRoleACL", CloudRole, "publishClientSend", "pi/v2/gw/+/availability", "allow"],
            ["createClient", CloudUsername, "-p", CloudPassword],
            ["addClientRole", CloudUsername, CloudRole],
        ];
        foreach (var command in commands)
        {
            await RunCtrlAsync(["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-u", AdminUsername, "-P", AdminPassword, "dynsec", .. command]);
        }
    }

    private async Task RunCtrlAsync(string[] arguments)
    {
        var start = new ProcessStartInfo(FindProgram("mosquitto_ctrl"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        // mosquitto_ctrl exits 0 even when the plugin refuses a command; its answer says "Error".
        if (process.ExitCode != 0 || text.Contains("Error", StringComparison.Ordinal))
        {
            var shown = string.Join(' ', arguments.Select(a => a == AdminPassword || a == CloudPassword ? "***" : a));
            throw new InvalidOperationException($"mosquitto_ctrl {shown} failed (exit {process.ExitCode}):\n{text}");
        }
    }

    private static string FindProgram(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) ?? [];
        foreach (var directory in ProgramDirectories.Concat(path))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"{name} is not installed (looked in {string.Join(", ", ProgramDirectories)} and PATH). The external-broker tests run a real "
            + "Mosquitto 2 with its dynamic-security plugin: run `bash .ci/run` (installs it) or `sudo apt-get install mosquitto`.");
    }

    private static string FindDynamicSecurityPlugin()
    {
        const string File = "mosquitto_dynamic_security.so";
        var candidates = new List<string>();
        foreach (var root in new[] { "/usr/lib", "/usr/local/lib", "/usr/lib64" })
        {
            if (Directory.Exists(root))
            {
                candidates.Add(Path.Combine(root, File));
                candidates.AddRange(Directory.EnumerateDirectories(root).Select(d => Path.Combine(d, File)));
            }
        }
        return candidates.FirstOrDefault(System.IO.File.Exists)
            ?? throw new InvalidOperationException(
                $"{File} was not found under /usr/lib, /usr/local/lib or /usr/lib64. It comes with Mosquitto 2: run `bash .ci/run` or `sudo apt-get install mosquitto`.");
    }

    private void WriteSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pi-test-mosquitto", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(Path.Combine(_directory!, "cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_directory!, "key.pem"), key.ExportPkcs8PrivateKeyPem());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
