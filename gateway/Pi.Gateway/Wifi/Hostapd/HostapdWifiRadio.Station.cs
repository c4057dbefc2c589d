using System.Globalization;
using System.Text;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.Config;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Hostapd;

// The station half: wpa_supplicant started by the radio with a generated configuration, watched
// through wpa_cli and its log until it has associated, then a DHCP client for the address.
public sealed partial class HostapdWifiRadio
{
    /// <summary>Scans a join makes, at most, looking for the SSID before it says NetworkNotFound.</summary>
    private const int JoinScans = 3;

    /// <summary>Most bytes of wpa_supplicant's log read per poll.</summary>
    private const int MaxLogRead = 256 * 1024;

    private long _logOffset;
    private bool _resumeTried;

    private string WpaPid => Run("wpa_supplicant.pid");

    private string WpaControl => Run("wpa_supplicant");

    private string WpaLog => Run("wpa_supplicant.log");

    private string CandidateConf => Run("wpa_supplicant-candidate.conf");

    private string DhclientPid => Run("dhclient.pid");

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
            await StopStationDaemonsAsync(CancellationToken.None).ConfigureAwait(false);
            return JoinResult.Failed(WifiFailure.RadioError);
        }
        finally
        {
            TryDelete(CandidateConf);
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
            // No network can have that SSID.
            return Fail(ssid, WifiFailure.NetworkNotFound);
        }
        await HandOverOnceAsync(cancellationToken).ConfigureAwait(false);
        await StopAccessPointCoreAsync(cancellationToken).ConfigureAwait(false);
        await StopStationDaemonsAsync(cancellationToken).ConfigureAwait(false);

        var security = await FindAsync(ssid, deadline, cancellationToken).ConfigureAwait(false);
        if (security is null)
        {
            return Fail(ssid, WifiFailure.NetworkNotFound);
        }
        _logger.Joining(Name, ssid, security.Value);
        string conf;
        try
        {
            conf = StationConfig.RenderWpaSupplicant(ssid, password, security.Value, _options.CountryCode, WpaControl);
        }
        catch (InvalidWifiSettingException e)
        {
            return Fail(ssid, e.Setting switch
            {
                "security" => WifiFailure.UnsupportedSecurity,
                "password" => WifiFailure.WrongPassword,
                _ => WifiFailure.RadioError,
            });
        }

        Directory.CreateDirectory(_options.RuntimeDirectory);
        await AtomicFile.WriteAsync(CandidateConf, conf, AtomicFile.SecretMode, cancellationToken).ConfigureAwait(false);
        TryDelete(WpaLog);
        _logOffset = 0;
        await RunCheckedAsync(Command.Of("ip", "link", "set", _interface, "up"), cancellationToken).ConfigureAwait(false);
        await RunCheckedAsync(
            Command.Of("wpa_supplicant", "-B", "-i", _interface, "-D", "nl80211", "-c", CandidateConf, "-P", WpaPid, "-f", WpaLog),
            cancellationToken).ConfigureAwait(false);

        var result = await WatchJoinAsync(security.Value, deadline, cancellationToken).ConfigureAwait(false);
        if (!result.Joined)
        {
            // Back to how it was: the saved network (if any) stays saved; nothing runs for the failed one.
            await StopStationDaemonsAsync(cancellationToken).ConfigureAwait(false);
            return Fail(ssid, result.Failure ?? WifiFailure.RadioError);
        }
        await AtomicFile.WriteAsync(_options.ResolvedStationConfigPath, conf, AtomicFile.SecretMode, cancellationToken).ConfigureAwait(false);
        _resumeTried = true;
        _logger.Joined(Name, ssid, result.Ip!);
        return result;
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

    private async Task<JoinResult> WatchJoinAsync(WifiSecurity security, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var observer = new WpaJoinObserver(security);
        var dhcpTried = false;
        while (true)
        {
            var status = await RunAsync(WpaCli("status"), cancellationToken).ConfigureAwait(false);
            if (status.Succeeded)
            {
                observer.Observe(WpaCliParser.ParseStatus(status.StandardOutput));
            }
            var networks = await RunAsync(WpaCli("list_networks"), cancellationToken).ConfigureAwait(false);
            if (networks.Succeeded)
            {
                observer.Observe(WpaCliParser.ParseListNetworks(networks.StandardOutput));
            }
            foreach (var line in ReadNewLogLines())
            {
                observer.Observe(WpaCliParser.ParseEvent(line));
            }
            if (observer.Failure is { } failure)
            {
                return JoinResult.Failed(failure);
            }
            if (observer.Completed)
            {
                if (!dhcpTried)
                {
                    dhcpTried = true;
                    await RunDhcpClientAsync(deadline, cancellationToken).ConfigureAwait(false);
                }
                if (await ReadAddressAsync(cancellationToken).ConfigureAwait(false) is { } ip)
                {
                    return JoinResult.Success(ip);
                }
            }
            if (_time.GetUtcNow() >= deadline)
            {
                return JoinResult.Failed(observer.TimedOutFailure);
            }
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunDhcpClientAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var remaining = deadline - _time.GetUtcNow();
        var bound = remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1);
        var command = _options.DhcpClient switch
        {
            // One try; once it has a lease dhclient stays in the background to renew it.
            DhcpClientKind.Dhclient => Command.Of("dhclient", "-4", "-1", "-pf", DhclientPid, "-lf", Run("dhclient.leases"), _interface),
            DhcpClientKind.Dhcpcd => Command.Of("dhcpcd", "-4", "-w", "-t", ((int)Math.Ceiling(bound.TotalSeconds)).ToString(CultureInfo.InvariantCulture), _interface),
            _ => null,
        };
        if (command is null)
        {
            return;
        }
        var result = await _runner.RunAsync(command with { Timeout = bound }, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // No lease: the address check that follows reports NoIpAddress when the time is up.
            ToolFailed(command.Program, result);
        }
    }

    private async Task<string?> ReadAddressAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(Command.Of("ip", "-o", "-4", "addr", "show", "dev", _interface), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return null;
        }
        var addresses = IpAddressParser.ParseIPv4(result.StandardOutput);
        return addresses.Count > 0 ? addresses[0] : null;
    }

    private Command WpaCli(string request) => Command.Of("wpa_cli", "-p", WpaControl, "-i", _interface, request) with { Timeout = TimeSpan.FromSeconds(5) };

    // New lines of wpa_supplicant's log (-f) since the last poll; the events wpa_cli cannot show.
    private List<string> ReadNewLogLines()
    {
        var lines = new List<string>();
        try
        {
            using var stream = new FileStream(WpaLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < _logOffset)
            {
                _logOffset = 0;
            }
            stream.Position = _logOffset;
            var buffer = new byte[(int)Math.Min(MaxLogRead, stream.Length - _logOffset)];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            // Only whole lines; a half-written one is read next time.
            var end = Array.LastIndexOf(buffer, (byte)'\n', read - 1 < 0 ? 0 : read - 1);
            if (end < 0)
            {
                return lines;
            }
            _logOffset += end + 1;
            lines.AddRange(ToolOutput.Lines(Encoding.UTF8.GetString(buffer, 0, end + 1)));
        }
        catch (FileNotFoundException)
        {
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return lines;
    }

    private JoinResult Fail(string ssid, WifiFailure failure)
    {
        _logger.JoinFailed(Name, ssid, failure);
        return JoinResult.Failed(failure);
    }

    /// <inheritdoc />
    public async Task ForgetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopStationDaemonsAsync(cancellationToken).ConfigureAwait(false);
            TryDelete(_options.ResolvedStationConfigPath);
            if (_accessPoint is null)
            {
                await RunAsync(Command.Of("ip", "addr", "flush", "dev", _interface), cancellationToken).ConfigureAwait(false);
            }
            _logger.Forgot(Name);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// After a restart nothing runs the station: the first status query while the softAP is down
    /// starts wpa_supplicant and the DHCP client from the saved configuration (once), so the
    /// gateway rejoins its router the way it left it.
    /// </remarks>
    public async Task<StationStatus> GetStationStatusAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_accessPoint is not null)
            {
                return new StationStatus(false, null, null, null);
            }
            await ResumeOnceAsync(cancellationToken).ConfigureAwait(false);
            var result = await RunAsync(WpaCli("status"), cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                return new StationStatus(false, null, null, null);
            }
            var status = WpaCliParser.ParseStatus(result.StandardOutput);
            if (!status.IsCompleted)
            {
                return new StationStatus(false, status.Ssid, null, null);
            }
            var ip = await ReadAddressAsync(cancellationToken).ConfigureAwait(false);
            var poll = await RunAsync(WpaCli("signal_poll"), cancellationToken).ConfigureAwait(false);
            int? signal = null;
            if (poll.Succeeded && KeyValueOutput.Int(KeyValueOutput.Read(poll.StandardOutput, "wpa_cli signal_poll"), "RSSI") is { } rssi)
            {
                signal = SignalLevel.FromDbm(rssi);
            }
            return new StationStatus(ip is not null, status.Ssid, ip, signal);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ResumeOnceAsync(CancellationToken cancellationToken)
    {
        if (_resumeTried)
        {
            return;
        }
        _resumeTried = true;
        var saved = _options.ResolvedStationConfigPath;
        if (!File.Exists(saved) || await _daemons.IsRunningAsync(WpaPid, "wpa_supplicant", cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        await HandOverOnceAsync(cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(_options.RuntimeDirectory);
        await RunCheckedAsync(Command.Of("ip", "link", "set", _interface, "up"), cancellationToken).ConfigureAwait(false);
        await RunCheckedAsync(Command.Of("wpa_supplicant", "-B", "-i", _interface, "-D", "nl80211", "-c", saved, "-P", WpaPid, "-f", WpaLog), cancellationToken).ConfigureAwait(false);
        var dhcp = _options.DhcpClient switch
        {
            // In the background at once: the lease comes when the association does.
            DhcpClientKind.Dhclient => Command.Of("dhclient", "-4", "-nw", "-pf", DhclientPid, "-lf", Run("dhclient.leases"), _interface),
            DhcpClientKind.Dhcpcd => Command.Of("dhcpcd", "-4", "-b", _interface),
            _ => null,
        };
        if (dhcp is not null)
        {
            await RunCheckedAsync(dhcp, cancellationToken).ConfigureAwait(false);
        }
        _logger.StationResumed(Name, saved);
    }

    private async Task StopStationDaemonsAsync(CancellationToken cancellationToken)
    {
        if (_options.DhcpClient == DhcpClientKind.Dhcpcd)
        {
            var result = await RunAsync(Command.Of("dhcpcd", "-x", _interface), cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                ToolFailed("dhcpcd -x", result);
            }
        }
        await StopDaemonAsync(DhclientPid, "dhclient", cancellationToken).ConfigureAwait(false);
        await StopDaemonAsync(WpaPid, "wpa_supplicant", cancellationToken).ConfigureAwait(false);
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
