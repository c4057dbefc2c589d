using System.Globalization;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.Config;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.NetworkManager;

/// <summary>
/// The radio on Raspberry Pi OS Bookworm, where NetworkManager owns wlan0: everything through
/// nmcli. The softAP is a connection <c>pi-gateway-ap</c> (mode ap, <c>ipv4.method shared</c>:
/// NetworkManager runs the DHCP server) created on start and deleted on stop; the router is a
/// connection <c>pi-gateway-station</c> that NetworkManager keeps and rejoins after a restart.
/// Secrets never go on a command line: the join's password goes to <c>nmcli --ask</c> on standard
/// input, the softAP's passphrase through a 0600 <c>passwd-file</c> deleted after use.
/// </summary>
public sealed partial class NetworkManagerWifiRadio : IWifiRadio, IDisposable
{
    /// <summary>The softAP connection's name.</summary>
    public const string AccessPointConnection = "pi-gateway-ap";

    /// <summary>The router connection's name.</summary>
    public const string StationConnection = "pi-gateway-station";

    /// <summary>The name a join's new connection has until it works (the old one stays until then).</summary>
    public const string CandidateConnection = "pi-gateway-station-candidate";

    private const string Name = "networkmanager";

    private static readonly Dictionary<string, string> CLocale = new(StringComparer.Ordinal) { ["LC_ALL"] = "C" };

    private readonly WifiOptions _options;
    private readonly ICommandRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _interface;
    private PhysicalAddress? _mac;
    private AccessPointSettings? _accessPoint;

    public NetworkManagerWifiRadio(WifiOptions options, ICommandRunner runner, TimeProvider? timeProvider = null, ILogger<NetworkManagerWifiRadio>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runner);
        _options = options;
        _interface = SettingRules.InterfaceName(options.Interface);
        _runner = runner;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The interface does not exist and no MAC is configured.</exception>
    public PhysicalAddress MacAddress => _mac ??= InterfaceMac.Read(_options, _interface);

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <inheritdoc />
    public async Task<IReadOnlyList<SsidEntry>> ScanAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_accessPoint is not null)
            {
                throw new WifiException("the radio cannot scan while it is an access point");
            }
            var list = ScanList.Build(await ScanCandidatesAsync(cancellationToken).ConfigureAwait(false));
            _logger.Scanned(Name, list.Count);
            return list;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<ScanCandidate>> ScanCandidatesAsync(CancellationToken cancellationToken)
    {
        var fields = string.Join(',', NmcliParser.WifiListFields);
        var result = await Nmcli(cancellationToken, "-t", "-f", fields, "device", "wifi", "list", "ifname", _interface, "--rescan", "yes").ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // A scan already running (or scans refused for a moment): NetworkManager's last results.
            result = await Nmcli(cancellationToken, "-t", "-f", fields, "device", "wifi", "list", "ifname", _interface, "--rescan", "no").ConfigureAwait(false);
        }
        return result.Succeeded ? NmcliParser.ParseWifiList(result.StandardOutput) : throw Failed("nmcli device wifi list", result);
    }

    /// <inheritdoc />
    public async Task StartAccessPointAsync(AccessPointSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // The same checks as the hostapd files, so both radios refuse the same settings.
        _ = SoftApConfig.RenderHostapd(settings, _interface, "/run/pi-gateway", null);
        _ = SettingRules.Subnet(settings);
        var passphrase = string.IsNullOrEmpty(_options.AccessPointPassphrase)
            ? null
            : WifiPassphrase.Parse(_options.AccessPointPassphrase, "Wifi:AccessPointPassphrase");

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_accessPoint == settings && await IsActiveAsync(AccessPointConnection, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            await Nmcli(cancellationToken, "connection", "delete", "id", AccessPointConnection).ConfigureAwait(false);
            // NetworkManager leaves the regulatory domain to the system.
            await _runner.RunAsync(Command.Of("iw", "reg", "set", SettingRules.CountryCode(settings.CountryCode)), cancellationToken).ConfigureAwait(false);

            var add = new List<string>
            {
                "connection", "add", "type", "wifi", "ifname", _interface, "con-name", AccessPointConnection, "autoconnect", "no",
                "ssid", settings.Ssid,
                "802-11-wireless.mode", "ap",
                "802-11-wireless.band", SettingRules.HardwareMode(settings.Channel) == "a" ? "a" : "bg",
                "802-11-wireless.channel", settings.Channel.ToString(CultureInfo.InvariantCulture),
                "ipv4.method", "shared",
                "ipv4.addresses", settings.Address + "/" + settings.PrefixLength.ToString(CultureInfo.InvariantCulture),
                "ipv6.method", "disabled",
            };
            if (passphrase is not null)
            {
                add.AddRange(["802-11-wireless-security.key-mgmt", "wpa-psk", "802-11-wireless-security.proto", "rsn",
                    "802-11-wireless-security.pairwise", "ccmp", "802-11-wireless-security.group", "ccmp"]);
            }
            var created = await Nmcli(cancellationToken, [.. add]).ConfigureAwait(false);
            if (!created.Succeeded)
            {
                throw Failed("nmcli connection add (access point)", created);
            }

            var wait = Seconds(_options.AccessPointStartTimeout);
            CommandResult up;
            if (passphrase is null)
            {
                up = await Nmcli(cancellationToken, "--wait", wait, "connection", "up", "id", AccessPointConnection).ConfigureAwait(false);
            }
            else
            {
                var file = Path.Combine(_options.RuntimeDirectory, "ap-secrets");
                try
                {
                    await AtomicFile.WriteAsync(file, "802-11-wireless-security.psk:" + passphrase.DerivePskHex(SettingRules.Ssid(settings.Ssid)) + "\n",
                        AtomicFile.SecretMode, cancellationToken).ConfigureAwait(false);
                    up = await Nmcli(cancellationToken, "--wait", wait, "connection", "up", "id", AccessPointConnection, "passwd-file", file).ConfigureAwait(false);
                }
                finally
                {
                    TryDelete(file);
                }
            }
            if (!up.Succeeded)
            {
                await Nmcli(CancellationToken.None, "connection", "delete", "id", AccessPointConnection).ConfigureAwait(false);
                throw Failed("nmcli connection up (access point)", up);
            }
            _accessPoint = settings;
            _logger.AccessPointStarted(Name, settings.Ssid, settings.Channel);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task StopAccessPointAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopAccessPointCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopAccessPointCoreAsync(CancellationToken cancellationToken)
    {
        // Deleting an active connection takes it down; "unknown connection" means it is gone already.
        var deleted = await Nmcli(cancellationToken, "connection", "delete", "id", AccessPointConnection).ConfigureAwait(false);
        if (!deleted.Succeeded && !IsUnknownConnection(deleted))
        {
            throw Failed("nmcli connection delete (access point)", deleted);
        }
        if (deleted.Succeeded || _accessPoint is not null)
        {
            _logger.AccessPointStopped(Name);
        }
        _accessPoint = null;
    }

    private async Task<bool> IsActiveAsync(string connection, CancellationToken cancellationToken)
    {
        var result = await Nmcli(cancellationToken, "-t", "-f", "NAME", "connection", "show", "--active").ConfigureAwait(false);
        return result.Succeeded && ToolOutput.Lines(result.StandardOutput).Any(l => NmcliParser.SplitTerse(l) is [var name] && name == connection);
    }

    private Task<CommandResult> Nmcli(CancellationToken cancellationToken, params string[] arguments) =>
        _runner.RunAsync(new Command("nmcli", arguments) { Timeout = _options.CommandTimeout + _options.AccessPointStartTimeout, Environment = CLocale }, cancellationToken);

    private static bool IsUnknownConnection(CommandResult result) =>
        result.StandardError.Contains("unknown connection", StringComparison.OrdinalIgnoreCase) ||
        result.StandardError.Contains("cannot delete unknown", StringComparison.OrdinalIgnoreCase) ||
        result.ExitCode == 10;

    private static string Seconds(TimeSpan span) => ((int)Math.Ceiling(Math.Max(1, span.TotalSeconds))).ToString(CultureInfo.InvariantCulture);

    private JoinResult Fail(string ssid, WifiFailure failure)
    {
        _logger.JoinFailed(Name, ssid, failure);
        return JoinResult.Failed(failure);
    }

    private WifiException Failed(string what, CommandResult result)
    {
        var error = result.StandardError.Trim();
        if (error.Length > 200)
        {
            error = error[..200];
        }
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.ToolFailed(Name, what, result.ExitCode, error);
        }
        return new WifiException(result.TimedOut ? $"{what} timed out" : $"{what} failed with exit code {result.ExitCode}: {error}");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
