using System.Globalization;
using System.Net;
using System.Text;
using Pi.Hil.Netns;
using Pi.Hil.Processes;

namespace Pi.Hil.Simulated;

/// <summary>
/// Debian's Mosquitto 2 with its dynamic-security plugin, run by the rig as the cloud's external
/// broker (docs/broker.md), on the router's LAN side. The rig is its operator: besides the cloud's
/// user it has one of its own that may watch and publish gateways' up traffic, so a scenario can
/// capture sealed packets and replay them as an attacker on the network would.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    /// <summary>The cloud's broker user (docs/broker.md).</summary>
    public const string CloudUser = "pi.cloud";

    /// <summary>The rig's own broker user (watches and replays gateways' up packets).</summary>
    public const string RigUser = "hil.rig";

    private const string Admin = "dynsec.admin";
    private static readonly string[] LibraryRoots = ["/usr/lib", "/usr/local/lib", "/usr/lib64"];
    private readonly RigLog _log;
    private readonly NetworkNamespace? _netns;
    private readonly string _dir;
    private readonly string _adminPassword = Guid.NewGuid().ToString("N");
    private RigProcess? _process;
    private readonly List<RigProcess> _watchers = [];

    private MosquittoBroker(RigLog log, NetworkNamespace? netns, string dir, IPAddress address, int port)
    {
        _log = log;
        _netns = netns;
        _dir = dir;
        Address = address;
        Port = port;
    }

    /// <summary>Its address.</summary>
    public IPAddress Address { get; }

    /// <summary>Its port (plain MQTT: the link stays inside the rig's namespaces or loopback).</summary>
    public int Port { get; }

    /// <summary>mqtt://address:port</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"mqtt://{Address}:{Port}");

    /// <summary>The cloud user's password.</summary>
    public string CloudPassword { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The rig user's password.</summary>
    public string RigPassword { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Starts the broker and makes the cloud's and the rig's users.</summary>
    public static async Task<MosquittoBroker> StartAsync(RigLog log, NetworkNamespace? netns, string dir, IPAddress address, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        Directory.CreateDirectory(dir);
        var broker = new MosquittoBroker(log, netns, dir, address, port);
        log.AddSecret(broker._adminPassword);
        log.AddSecret(broker.CloudPassword);
        log.AddSecret(broker.RigPassword);
        try
        {
            await broker.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        var mosquitto = Tools.Find("mosquitto") ?? throw new InvalidOperationException("mosquitto is missing: apt-get install mosquitto");
        var dynsec = Path.Combine(_dir, "dynsec.json");
        await Tools.RunAsync(Ctrl, ["dynsec", "init", dynsec, Admin, _adminPassword], _log).ConfigureAwait(false);
        var plugin = LibraryRoots.Where(Directory.Exists)
            .SelectMany(root => Directory.EnumerateDirectories(root).Prepend(root))
            .Select(d => Path.Combine(d, "mosquitto_dynamic_security.so")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto_dynamic_security.so not found: apt-get install mosquitto");
        var config = new StringBuilder()
            .AppendLine("per_listener_settings false")
            .AppendLine("allow_anonymous false")
            .AppendLine(CultureInfo.InvariantCulture, $"listener {Port} {Address}")
            .AppendLine("persistence false")
            .AppendLine("set_tcp_nodelay true")
            .AppendLine("log_dest stderr")
            .AppendLine("log_type error")
            .AppendLine("log_type warning")
            .AppendLine("log_type notice")
            .AppendLine("log_type information")
            .AppendLine("log_type subscribe")
            // Started as root it would drop to "mosquitto", which cannot write the plugin's file here.
            .AppendLine(CultureInfo.InvariantCulture, $"user {Environment.UserName}")
            .AppendLine(CultureInfo.InvariantCulture, $"plugin {plugin}")
            .AppendLine(CultureInfo.InvariantCulture, $"plugin_opt_config_file {dynsec}");
        var conf = Path.Combine(_dir, "mosquitto.conf");
        await File.WriteAllTextAsync(conf, config.ToString(), cancellationToken).ConfigureAwait(false);
        _process = RigProcess.Start("mosquitto", mosquitto, ["-c", conf], _log, _netns?.Name);
        await _process.WaitForLineAsync(l => l.EndsWith(" running", StringComparison.Ordinal), "its running line", TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);

        string[][] commands =
        [
            ["createRole", "pi-cloud"],
            ["addRoleACL", "pi-cloud", "publishClientSend", "$CONTROL/dynamic-security/v1", "allow"],
            ["addRoleACL", "pi-cloud", "subscribeLiteral", "$CONTROL/dynamic-security/v1/response", "allow"],
            ["addRoleACL", "pi-cloud", "publishClientReceive", "$CONTROL/dynamic-security/v1/response", "allow"],
            ["addRoleACL", "pi-cloud", "subscribeLiteral", "$share/pi-cloud/pi/v2/gw/+/up", "allow"],
            ["addRoleACL", "pi-cloud", "subscribeLiteral", "$share/pi-cloud/pi/v2/gw/+/availability", "allow"],
            ["addRoleACL", "pi-cloud", "subscribeLiteral", "pi/v2/gw/+/availability", "allow"],
            ["addRoleACL", "pi-cloud", "publishClientSend", "pi/v2/gw/+/down", "allow"],
            ["addRoleACL", "pi-cloud", "publishClientSend", "pi/v2/gw/+/availability", "allow"],
            ["createClient", CloudUser, "-p", CloudPassword],
            ["addClientRole", CloudUser, "pi-cloud"],
            // The rig, as the broker's operator: watch gateways' up packets and publish (replay) them.
            ["createRole", "hil-rig"],
            ["addRoleACL", "hil-rig", "subscribePattern", "pi/v2/gw/+/up", "allow"],
            ["addRoleACL", "hil-rig", "publishClientReceive", "pi/v2/gw/+/up", "allow"],
            ["addRoleACL", "hil-rig", "publishClientSend", "pi/v2/gw/+/up", "allow"],
            ["createClient", RigUser, "-p", RigPassword],
            ["addClientRole", RigUser, "hil-rig"],
        ];
        foreach (var command in commands)
        {
            var result = await Exec(Ctrl, ["-h", Address.ToString(), "-p", Port.ToString(CultureInfo.InvariantCulture), "-u", Admin, "-P", _adminPassword, "dynsec", .. command]).ConfigureAwait(false);
            if (result.Stdout.Contains("Error", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"mosquitto_ctrl dynsec {command[0]}: {result.Stdout.Trim()}");
            }
        }
    }

    /// <summary>The cloud's settings for this broker (external mode).</summary>
    public IReadOnlyDictionary<string, string> CloudSettings => new Dictionary<string, string>
    {
        ["Cloud:Mqtt:Mode"] = "External",
        ["Cloud:Mqtt:External:Url"] = Url,
        ["Cloud:Mqtt:External:Username"] = CloudUser,
        ["Cloud:Mqtt:External:Password"] = CloudPassword,
        ["Cloud:PublicMqttUrl"] = Url,
    };

    /// <summary>
    /// Starts watching a gateway's up topic as the rig's user (<c>mosquitto_sub</c>, one hex line per
    /// packet) and returns the watcher once the broker has its subscription; its lines are the captured packets.
    /// </summary>
    public async Task<RigProcess> WatchUpAsync(string tid, CancellationToken cancellationToken)
    {
        var sub = Tools.Find("mosquitto_sub") ?? throw new InvalidOperationException("mosquitto_sub is missing: apt-get install mosquitto-clients");
        var stdbuf = Tools.Find("stdbuf") ?? throw new InvalidOperationException("stdbuf is missing (coreutils)");
        // Line-buffered: each captured packet reaches the rig at once, not when a pipe buffer fills.
        var watcher = RigProcess.Start("capture", stdbuf,
            ["-oL", sub, "-h", Address.ToString(), "-p", Port.ToString(CultureInfo.InvariantCulture), "-u", RigUser, "-P", RigPassword, "-t", $"pi/v2/gw/{tid}/up", "-q", "1", "-F", "%x"],
            _log, _netns?.Name);
        lock (_watchers)
        {
            _watchers.Add(watcher); // stopped with the broker whatever happens to the caller
        }
        // The broker logs the subscription (log_type subscribe): from then on nothing is missed.
        await _process!.WaitForLineAsync(l => l.Contains($" 1 pi/v2/gw/{tid}/up", StringComparison.Ordinal), "the rig's subscription", TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return watcher;
    }

    /// <summary>Publishes <paramref name="payload"/> on a gateway's up topic as the rig's user (a replay).</summary>
    public async Task PublishUpAsync(string tid, byte[] payload, CancellationToken cancellationToken)
    {
        var file = Path.Combine(_dir, $"replay-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, payload, cancellationToken).ConfigureAwait(false);
        var pub = Tools.Find("mosquitto_pub") ?? throw new InvalidOperationException("mosquitto_pub is missing: apt-get install mosquitto-clients");
        await Exec(pub, ["-h", Address.ToString(), "-p", Port.ToString(CultureInfo.InvariantCulture), "-u", RigUser, "-P", RigPassword, "-t", $"pi/v2/gw/{tid}/up", "-q", "1", "-f", file]).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<RigProcess> watchers;
        lock (_watchers)
        {
            watchers = [.. _watchers];
        }
        foreach (var watcher in watchers)
        {
            await watcher.DisposeAsync().ConfigureAwait(false);
        }
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string Ctrl => Tools.Find("mosquitto_ctrl") ?? throw new InvalidOperationException("mosquitto_ctrl is missing: apt-get install mosquitto");

    private Task<(int ExitCode, string Stdout, string Stderr)> Exec(string program, IEnumerable<string> arguments) =>
        _netns is null ? Tools.RunAsync(program, arguments, _log) : _netns.ExecAsync(_log, program, arguments);
}
