using System.Globalization;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.Config;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.NetworkManager;

// The station half: nmcli device wifi connect with the password on standard input, under a
// candidate name that replaces the saved router connection only once it has an address.
public sealed partial class NetworkManagerWifiRadio
{
    /// <summary>Scans a join makes, at most, looking for the SSID before it says NetworkNotFound.</summary>
    private const int JoinScans = 3;

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
}
