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
public sealed class NetworkManagerWifiRadio : IWifiRadio, IDisposable
{
    /// <summary>The softAP connection's name.</summary>
    public const string AccessPointConnection = "pi-gateway-ap";

    /// <summary>The router connection's name.</summary>
    public const string StationConnection = "pi-gateway-station";

    /// <summary>The name a join's new connection has until it works (the old one stays until then).</summary>
    public const string CandidateConnection = "pi-gateway-station-candidate";

    private const string Name = "networkmanager";
    private const int JoinScans = 3;

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

    /// <inheritdoc />
    public async Task<JoinResult> JoinAsync(string ssid, string password, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ssid);
        var deadline = _time.GetUtcNow() + timeout;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await JoinCoreAsync(ssid, password, deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WifiException or IOException or UnauthorizedAccessException)
        {
            // The radio or a file it needs failed: not the expected failures, but still a result.
            _logger.JoinRadioError(e, Name, ssid);
            await Nmcli(CancellationToken.None, "connection", "delete", "id", CandidateConnection).ConfigureAwait(false);
            return JoinResult.Failed(WifiFailure.RadioError);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<JoinResult> JoinCoreAsync(string ssid, string password, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        try
        {
            _ = SettingRules.Ssid(ssid);
        }
        catch (InvalidWifiSettingException)
        {
            return Fail(ssid, WifiFailure.NetworkNotFound);
        }
        await StopAccessPointCoreAsync(cancellationToken).ConfigureAwait(false);
        var security = await FindAsync(ssid, deadline, cancellationToken).ConfigureAwait(false);
        if (security is null)
        {
            return Fail(ssid, WifiFailure.NetworkNotFound);
        }
        if (security is WifiSecurity.Wep or WifiSecurity.Enterprise or WifiSecurity.Other)
        {
            return Fail(ssid, WifiFailure.UnsupportedSecurity);
        }
        var open = security == WifiSecurity.Open;
        if (!open)
        {
            try
            {
                var passphrase = WifiPassphrase.Parse(password);
                if (passphrase.IsHexPsk && security == WifiSecurity.Wpa3Sae)
                {
                    return Fail(ssid, WifiFailure.WrongPassword);
                }
            }
            catch (InvalidWifiSettingException)
            {
                return Fail(ssid, WifiFailure.WrongPassword);
            }
        }
        _logger.Joining(Name, ssid, security.Value);

        await Nmcli(cancellationToken, "connection", "delete", "id", CandidateConnection).ConfigureAwait(false);
        var remaining = deadline - _time.GetUtcNow();
        var bound = remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1);
        // --ask: nmcli reads the password from standard input instead of the command line.
        var connect = Command.Of("nmcli", "--ask", "--wait", Seconds(bound), "device", "wifi", "connect", ssid, "ifname", _interface, "name", CandidateConnection) with
        {
            StandardInput = open ? string.Empty : password + "\n",
            Timeout = bound + TimeSpan.FromSeconds(5),
            Environment = CLocale,
        };
        var result = await _runner.RunAsync(connect, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            await Nmcli(CancellationToken.None, "connection", "delete", "id", CandidateConnection).ConfigureAwait(false);
            return Fail(ssid, NmcliErrors.ToJoinFailure(result));
        }
        var ip = await ReadAddressAsync(cancellationToken).ConfigureAwait(false);
        if (ip is null)
        {
            await Nmcli(CancellationToken.None, "connection", "delete", "id", CandidateConnection).ConfigureAwait(false);
            return Fail(ssid, WifiFailure.NoIpAddress);
        }
        // It works: it becomes the saved router connection, replacing the old one.
        await Nmcli(cancellationToken, "connection", "delete", "id", StationConnection).ConfigureAwait(false);
        var renamed = await Nmcli(cancellationToken, "connection", "modify", "id", CandidateConnection, "connection.id", StationConnection, "connection.autoconnect", "yes").ConfigureAwait(false);
        if (!renamed.Succeeded)
        {
            throw Failed("nmcli connection modify", renamed);
        }
        _logger.Joined(Name, ssid, ip);
        return JoinResult.Success(ip);
    }

    private async Task<WifiSecurity?> FindAsync(string ssid, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        for (var scan = 1; ; scan++)
        {
            var found = (await ScanCandidatesAsync(cancellationToken).ConfigureAwait(false))
                .Where(c => c.Ssid == ssid)
                .OrderByDescending(c => c.Signal)
                .Select(c => (WifiSecurity?)c.Security)
                .FirstOrDefault();
            if (found is not null || scan >= JoinScans || _time.GetUtcNow() >= deadline)
            {
                return found;
            }
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task ForgetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var name in new[] { StationConnection, CandidateConnection })
            {
                var deleted = await Nmcli(cancellationToken, "connection", "delete", "id", name).ConfigureAwait(false);
                if (!deleted.Succeeded && !IsUnknownConnection(deleted))
                {
                    throw Failed("nmcli connection delete (station)", deleted);
                }
            }
            _logger.Forgot(Name);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<StationStatus> GetStationStatusAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var device = await DeviceShowAsync(cancellationToken).ConfigureAwait(false);
            var connection = device.GetValueOrDefault("GENERAL.CONNECTION");
            var connected = device.GetValueOrDefault("GENERAL.STATE")?.StartsWith("100", StringComparison.Ordinal) == true;
            if (_accessPoint is not null || !connected || connection == AccessPointConnection)
            {
                return new StationStatus(false, null, null, null);
            }
            var ip = FirstAddress(device);
            var list = await Nmcli(cancellationToken, "-t", "-f", "ACTIVE,SSID,SIGNAL", "device", "wifi", "list", "ifname", _interface, "--rescan", "no").ConfigureAwait(false);
            string? ssid = null;
            int? signal = null;
            if (list.Succeeded)
            {
                foreach (var line in ToolOutput.Lines(list.StandardOutput))
                {
                    var fields = NmcliParser.SplitTerse(line);
                    if (fields.Count == 3 && fields[0] == "yes")
                    {
                        ssid = SsidText.ToListable(fields[1]);
                        signal = int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var percent) ? SignalLevel.FromPercent(percent) : null;
                        break;
                    }
                }
            }
            return new StationStatus(ip is not null, ssid, ip, signal);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string?> ReadAddressAsync(CancellationToken cancellationToken) => FirstAddress(await DeviceShowAsync(cancellationToken).ConfigureAwait(false));

    // "nmcli -t -f GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS device show wlan0": "NAME:value" lines.
    private async Task<Dictionary<string, string>> DeviceShowAsync(CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = await Nmcli(cancellationToken, "-t", "-f", "GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS", "device", "show", _interface).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return values;
        }
        foreach (var line in ToolOutput.Lines(result.StandardOutput))
        {
            var fields = NmcliParser.SplitTerse(line);
            if (fields.Count >= 2)
            {
                values.TryAdd(fields[0], string.Join(':', fields.Skip(1)));
            }
        }
        return values;
    }

    private static string? FirstAddress(Dictionary<string, string> device)
    {
        foreach (var (name, value) in device.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (name.StartsWith("IP4.ADDRESS", StringComparison.Ordinal))
            {
                var cidr = value.Split('|', StringSplitOptions.TrimEntries)[0];
                var slash = cidr.IndexOf('/', StringComparison.Ordinal);
                var text = slash > 0 ? cidr[..slash] : cidr;
                if (System.Net.IPAddress.TryParse(text, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    return address.ToString();
                }
            }
        }
        return null;
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
