using System.Globalization;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Gateway.Wifi.Commands;
using Pi.Gateway.Wifi.Config;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Hostapd;

/// <summary>
/// The radio on Raspberry Pi OS without NetworkManager in the way: hostapd + dnsmasq for the softAP,
/// wpa_supplicant (+ a DHCP client) for the station, <c>iw</c> for scans and <c>ip</c> for addresses.
/// The radio owns the interface: it starts and stops those daemons itself (pid files under
/// <see cref="WifiOptions.RuntimeDirectory"/>) and, on Bookworm, first hands the interface over
/// from NetworkManager (<see cref="HandOverAsync"/>). Every tool runs through <see cref="ICommandRunner"/>.
/// </summary>
public sealed partial class HostapdWifiRadio : IWifiRadio, IDisposable
{
    private const string Name = "hostapd";

    private readonly WifiOptions _options;
    private readonly ICommandRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DaemonControl _daemons;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _interface;
    private PhysicalAddress? _mac;
    private AccessPointSettings? _accessPoint;
    private bool _handedOver;

    public HostapdWifiRadio(WifiOptions options, ICommandRunner runner, TimeProvider? timeProvider = null, ILogger<HostapdWifiRadio>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runner);
        _options = options;
        _interface = SettingRules.InterfaceName(options.Interface);
        _runner = runner;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _daemons = new DaemonControl(runner, _time);
    }

    private string Run(string name) => Path.Combine(_options.RuntimeDirectory, name);

    private string HostapdConf => Run("hostapd.conf");

    private string HostapdPid => Run("hostapd.pid");

    private string HostapdControl => Run("hostapd");

    private string DnsmasqConf => Run("dnsmasq.conf");

    private string DnsmasqPid => Run("dnsmasq.pid");

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The interface does not exist and no MAC is configured.</exception>
    public PhysicalAddress MacAddress => _mac ??= InterfaceMac.Read(_options, _interface);

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
        await RunCheckedAsync(Command.Of("ip", "link", "set", _interface, "up"), cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var result = await RunAsync(Command.Of("iw", "dev", _interface, "scan"), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return IwScanParser.Parse(result.StandardOutput);
            }
            // wpa_supplicant may be scanning itself (EBUSY): wait, then settle for the results it has.
            if (!result.StandardError.Contains("(-16)", StringComparison.Ordinal))
            {
                throw Failed("iw scan", result);
            }
            if (attempt == 2)
            {
                var dump = await RunAsync(Command.Of("iw", "dev", _interface, "scan", "dump"), cancellationToken).ConfigureAwait(false);
                return dump.Succeeded ? IwScanParser.Parse(dump.StandardOutput) : throw Failed("iw scan dump", dump);
            }
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task StartAccessPointAsync(AccessPointSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var passphrase = string.IsNullOrEmpty(_options.AccessPointPassphrase)
            ? null
            : WifiPassphrase.Parse(_options.AccessPointPassphrase, "Wifi:AccessPointPassphrase");
        var hostapdConf = SoftApConfig.RenderHostapd(settings, _interface, HostapdControl, passphrase);
        var dnsmasqConf = SoftApConfig.RenderDnsmasq(settings, _interface, Run("dnsmasq.leases"), DnsmasqPid);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_accessPoint == settings &&
                await _daemons.IsRunningAsync(HostapdPid, "hostapd", cancellationToken).ConfigureAwait(false) &&
                await _daemons.IsRunningAsync(DnsmasqPid, "dnsmasq", cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            await HandOverOnceAsync(cancellationToken).ConfigureAwait(false);
            // Whatever ran before (our AP with other settings, our station, leftovers of a crash) goes first.
            await StopAccessPointDaemonsAsync(cancellationToken).ConfigureAwait(false);
            await StopStationDaemonsAsync(cancellationToken).ConfigureAwait(false);

            Directory.CreateDirectory(_options.RuntimeDirectory);
            await AtomicFile.WriteAsync(HostapdConf, hostapdConf, AtomicFile.SecretMode, cancellationToken).ConfigureAwait(false);
            await AtomicFile.WriteAsync(DnsmasqConf, dnsmasqConf, AtomicFile.PublicMode, cancellationToken).ConfigureAwait(false);

            var cidr = settings.Address + "/" + settings.PrefixLength.ToString(CultureInfo.InvariantCulture);
            await RunCheckedAsync(Command.Of("ip", "addr", "flush", "dev", _interface), cancellationToken).ConfigureAwait(false);
            await RunCheckedAsync(Command.Of("ip", "addr", "add", cidr, "dev", _interface), cancellationToken).ConfigureAwait(false);
            await RunCheckedAsync(Command.Of("ip", "link", "set", _interface, "up"), cancellationToken).ConfigureAwait(false);

            try
            {
                await RunCheckedAsync(Command.Of("hostapd", "-B", "-P", HostapdPid, HostapdConf), cancellationToken).ConfigureAwait(false);
                await WaitForHostapdAsync(cancellationToken).ConfigureAwait(false);
                await RunCheckedAsync(Command.Of("dnsmasq", "-C", DnsmasqConf), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await StopAccessPointDaemonsAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            _accessPoint = settings;
            _logger.AccessPointStarted(Name, settings.Ssid, settings.Channel);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task WaitForHostapdAsync(CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.AccessPointStartTimeout;
        string? state = null;
        while (true)
        {
            var result = await RunAsync(Command.Of("hostapd_cli", "-p", HostapdControl, "-i", _interface, "status") with { Timeout = TimeSpan.FromSeconds(5) }, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                var status = HostapdStatusParser.Parse(result.StandardOutput);
                if (status.IsEnabled)
                {
                    return;
                }
                state = status.State;
            }
            if (_time.GetUtcNow() >= deadline)
            {
                throw new WifiException($"hostapd did not enable the access point in time (state {state ?? "unknown"})");
            }
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
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
        var wasUp = _accessPoint is not null;
        if (await StopAccessPointDaemonsAsync(cancellationToken).ConfigureAwait(false) || wasUp)
        {
            await RunAsync(Command.Of("ip", "addr", "flush", "dev", _interface), cancellationToken).ConfigureAwait(false);
            _logger.AccessPointStopped(Name);
        }
        _accessPoint = null;
    }

    private async Task<bool> StopAccessPointDaemonsAsync(CancellationToken cancellationToken)
    {
        var dnsmasq = await StopDaemonAsync(DnsmasqPid, "dnsmasq", cancellationToken).ConfigureAwait(false);
        var hostapd = await StopDaemonAsync(HostapdPid, "hostapd", cancellationToken).ConfigureAwait(false);
        return dnsmasq || hostapd;
    }

    private async Task<bool> StopDaemonAsync(string pidFile, string program, CancellationToken cancellationToken)
    {
        if (await _daemons.StopAsync(pidFile, program, cancellationToken).ConfigureAwait(false) is { } pid)
        {
            _logger.DaemonStopped(Name, program, pid);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Takes the interface from NetworkManager (Raspberry Pi OS Bookworm): writes the drop-in
    /// <c>[keyfile] unmanaged-devices=interface-name:&lt;if&gt;</c> atomically (it lasts across
    /// reboots), then <c>nmcli device set &lt;if&gt; managed no</c> for now. Without NetworkManager
    /// (Raspberry Pi OS classic) the nmcli step finds nothing to do. Done once before the radio
    /// first touches the interface, when <see cref="WifiOptions.HandOverFromNetworkManager"/>.
    /// </summary>
    public async Task HandOverAsync(CancellationToken cancellationToken)
    {
        await NetworkManagerHandOver.WriteAsync(_options.NetworkManagerConfPath, _interface, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await RunAsync(Command.Of("nmcli", "device", "set", _interface, "managed", "no"), cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                // NetworkManager not running: the drop-in is all it will need when it starts.
                ToolFailed("nmcli device set", result);
            }
        }
        catch (WifiException)
        {
            // nmcli is not installed: nothing manages the interface but us.
        }
        _handedOver = true;
        _logger.HandedOver(Name, _interface, _options.NetworkManagerConfPath);
    }

    private async Task HandOverOnceAsync(CancellationToken cancellationToken)
    {
        if (_options.HandOverFromNetworkManager && !_handedOver)
        {
            await HandOverAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken) =>
        _runner.RunAsync(command.Timeout == Command.DefaultTimeout ? command with { Timeout = _options.CommandTimeout } : command, cancellationToken);

    private async Task<CommandResult> RunCheckedAsync(Command command, CancellationToken cancellationToken)
    {
        var result = await RunAsync(command, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : throw Failed(command.Arguments.Count > 0 ? command.Program + " " + command.Arguments[0] : command.Program, result);
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private void ToolFailed(string what, CommandResult result)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.ToolFailed(Name, what, result.ExitCode, Trim(result.StandardError));
        }
    }

    private WifiException Failed(string what, CommandResult result)
    {
        ToolFailed(what, result);
        return new WifiException(result.TimedOut
            ? $"{what} timed out"
            : $"{what} failed with exit code {result.ExitCode}: {Trim(result.StandardError)}");
    }

    private static string Trim(string text)
    {
        var line = text.Trim();
        return line.Length > 200 ? line[..200] : line;
    }
}
