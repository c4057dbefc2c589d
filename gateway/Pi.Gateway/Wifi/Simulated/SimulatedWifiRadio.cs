using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Simulated;

/// <summary>What the simulated radio did.</summary>
public enum SimulatedWifiEventKind
{
    /// <summary>A scan answered.</summary>
    Scanned,
    /// <summary>A scan was refused because the access point is up.</summary>
    ScanRefused,
    /// <summary>The access point came up.</summary>
    AccessPointStarted,
    /// <summary>The access point went down.</summary>
    AccessPointStopped,
    /// <summary>A join began.</summary>
    JoinStarted,
    /// <summary>A join succeeded.</summary>
    Joined,
    /// <summary>A join failed (the detail names the failure).</summary>
    JoinFailed,
    /// <summary>The joined network was forgotten.</summary>
    Forgot,
}

/// <summary>One entry of the simulated radio's log: when, what, and a detail (an SSID, a failure; never a password).</summary>
public sealed record SimulatedWifiEvent(DateTimeOffset At, SimulatedWifiEventKind Kind, string? Detail = null);

/// <summary>
/// A radio without hardware for development, CI and the HIL rig: it sees the configured networks,
/// checks passwords, takes the configured time to join (on the injected <see cref="TimeProvider"/>),
/// refuses to scan while it is an access point like a real one, and logs what happened.
/// </summary>
public sealed class SimulatedWifiRadio : IWifiRadio
{
    private const string Name = "simulated";

    private readonly SimulatedWifiOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<SimulatedWifiEvent> _events = [];
    private AccessPointSettings? _accessPoint;
    private SimulatedNetwork? _joined;

    public SimulatedWifiRadio(SimulatedWifiOptions options, TimeProvider? timeProvider = null, ILogger<SimulatedWifiRadio>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _ = WifiOptions.TryParseMac(options.MacAddress, out var mac);
        MacAddress = mac;
        // Back on the saved router after a restart, as a real radio is after a reboot.
        if (options.StationFile is { } file && File.Exists(file))
        {
            var ssid = File.ReadAllText(file).TrimEnd('\n');
            _joined = options.Networks.FirstOrDefault(n => string.Equals(n.Ssid, ssid, StringComparison.Ordinal) && n.Ip is not null);
        }
    }

    /// <inheritdoc />
    public PhysicalAddress MacAddress { get; }

    /// <summary>The access point's settings while it is up.</summary>
    public AccessPointSettings? AccessPoint
    {
        get
        {
            lock (_lock)
            {
                return _accessPoint;
            }
        }
    }

    /// <summary>What happened so far, oldest first.</summary>
    public IReadOnlyList<SimulatedWifiEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SsidEntry>> ScanAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_accessPoint is not null)
            {
                Record(SimulatedWifiEventKind.ScanRefused);
                throw new WifiException("the radio cannot scan while it is an access point");
            }
            var list = ScanList.Build(_options.Networks.Select(n => new ScanCandidate(SsidText.ToListable(n.Ssid), SignalLevel.FromDbm(n.Signal), n.EffectiveSecurity)));
            Record(SimulatedWifiEventKind.Scanned, list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _logger.Scanned(Name, list.Count);
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc />
    public Task StartAccessPointAsync(AccessPointSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        cancellationToken.ThrowIfCancellationRequested();
        _ = Config.SoftApConfig.RenderHostapd(settings, "wlan0", "/run/simulated", null);
        _ = Config.SoftApConfig.RenderDnsmasq(settings, "wlan0", "/run/simulated/leases", "/run/simulated/pid");
        lock (_lock)
        {
            if (_accessPoint == settings)
            {
                return Task.CompletedTask;
            }
            _accessPoint = settings;
            Record(SimulatedWifiEventKind.AccessPointStarted, settings.Ssid);
        }
        _logger.AccessPointStarted(Name, settings.Ssid, settings.Channel);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAccessPointAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (StopAccessPoint())
        {
            _logger.AccessPointStopped(Name);
        }
        return Task.CompletedTask;
    }

    private bool StopAccessPoint()
    {
        lock (_lock)
        {
            if (_accessPoint is null)
            {
                return false;
            }
            _accessPoint = null;
            Record(SimulatedWifiEventKind.AccessPointStopped);
            return true;
        }
    }

    /// <inheritdoc />
    public async Task<JoinResult> JoinAsync(string ssid, string password, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ssid);
        if (StopAccessPoint())
        {
            _logger.AccessPointStopped(Name);
        }
        SimulatedNetwork? network;
        lock (_lock)
        {
            _joined = null;
            Record(SimulatedWifiEventKind.JoinStarted, ssid);
            network = _options.Networks.FirstOrDefault(n => string.Equals(n.Ssid, ssid, StringComparison.Ordinal));
        }
        if (network is null)
        {
            return Fail(ssid, WifiFailure.NetworkNotFound);
        }
        _logger.Joining(Name, ssid, network.EffectiveSecurity);
        var delay = network.JoinDelay ?? _options.JoinDelay;
        if (delay >= timeout)
        {
            await Task.Delay(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero, _time, cancellationToken).ConfigureAwait(false);
            return Fail(ssid, WifiFailure.Timeout);
        }
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        if (network.EffectiveSecurity is WifiSecurity.Wep or WifiSecurity.Enterprise or WifiSecurity.Other)
        {
            return Fail(ssid, WifiFailure.UnsupportedSecurity);
        }
        if (!string.IsNullOrEmpty(network.Password) && !string.Equals(network.Password, password, StringComparison.Ordinal))
        {
            return Fail(ssid, WifiFailure.WrongPassword);
        }
        if (network.Failure is { } forced)
        {
            return Fail(ssid, forced);
        }
        if (network.Ip is null)
        {
            return Fail(ssid, WifiFailure.NoIpAddress);
        }
        lock (_lock)
        {
            _joined = network;
            Record(SimulatedWifiEventKind.Joined, ssid);
            SaveStation(ssid);
        }
        _logger.Joined(Name, ssid, network.Ip);
        return JoinResult.Success(network.Ip);
    }

    // The saved router (its SSID only; 0600, replaced by rename), or none.
    private void SaveStation(string? ssid)
    {
        if (_options.StationFile is not { } file)
        {
            return;
        }
        if (ssid is null)
        {
            File.Delete(file);
            return;
        }
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, ssid + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, file, overwrite: true);
    }

    private JoinResult Fail(string ssid, WifiFailure failure)
    {
        lock (_lock)
        {
            Record(SimulatedWifiEventKind.JoinFailed, failure.ToString());
        }
        _logger.JoinFailed(Name, ssid, failure);
        return JoinResult.Failed(failure);
    }

    /// <inheritdoc />
    public Task ForgetAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _joined = null;
            Record(SimulatedWifiEventKind.Forgot);
            SaveStation(null);
        }
        _logger.Forgot(Name);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<StationStatus> GetStationStatusAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(_joined is { } network && _accessPoint is null
                ? new StationStatus(true, network.Ssid, network.Ip, network.Signal)
                : new StationStatus(false, null, null, null));
        }
    }

    private void Record(SimulatedWifiEventKind kind, string? detail = null) => _events.Add(new SimulatedWifiEvent(_time.GetUtcNow(), kind, detail));
}
