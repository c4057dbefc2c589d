using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.Cloud;
using Pi.Gateway.Core;
using Pi.Gateway.Provisioning;
using Pi.Gateway.Qr;
using Pi.Gateway.State;
using Pi.Gateway.Wifi;

namespace Pi.Gateway.Hosting;

/// <summary>Settings of the gateway as a whole (section <c>Gateway</c>).</summary>
public sealed class GatewayHostOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Gateway";

    /// <summary>Provisioning without a setup code (the seed's open mode; insecure, off by default).</summary>
    public bool OpenMode { get; set; }

    /// <summary>The Pi's serial number file; empty = none.</summary>
    public string? SerialNumberPath { get; set; } = "/proc/device-tree/serial-number";
}

/// <summary>
/// The gateway's main loop: feeds events (APP sessions, Wi-Fi results, cloud outcomes, button
/// presses, timers) to the <see cref="GatewayStateMachine"/> one at a time and carries out the
/// commands it returns. Slow commands (join, login, connect, reset-unbind, wipe) run in the
/// background and come back as events, so a long press is heard even during a 45-second join.
/// </summary>
public sealed partial class GatewayRunner : BackgroundService
{
    private readonly Channel<GatewayEvent> _events = Channel.CreateUnbounded<GatewayEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<GatewayTimer, ITimer> _timers = [];
    private readonly GatewayStateMachine _machine;
    private readonly GatewayStateMachineOptions _machineOptions;
    private readonly IGatewayStateStore _store;
    private readonly IWifiRadio _radio;
    private readonly CloudClient _cloud;
    private readonly IStatusIndicator _leds;
    private readonly IResetButtonSource _button;
    private readonly IPairingWindow _pairing;
    private readonly ISubDeviceBridge? _subDevices;
    private readonly IHealthReporter _health;
    private readonly ProvisioningServerOptions _provisioningOptions;
    private readonly GatewayHostOptions _options;
    private readonly SoftApNamingOptions _naming;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<GatewayRunner> _logger;
    private readonly ProvisioningBridge _bridge;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The provisioning listeners: _server while the softAP is up; _retiring for at most
    // ListenerGrace after the registration, while the APP reads its ack; _responder otherwise, telling
    // searchers the gateway is already provisioned (docs/protocol.md section 5, rule 6). The loop
    // and the retiring task both change them, under _listeners.
    private readonly SemaphoreSlim _listeners = new(1, 1);
    private ProvisioningServer? _server;
    private ProvisioningServer? _retiring;
    private ProvisioningServer? _responder;
    private GatewayIdentity? _identity;

    public GatewayRunner(
        GatewayStateMachine machine,
        GatewayStateMachineOptions machineOptions,
        IGatewayStateStore store,
        IWifiRadio radio,
        CloudClient cloud,
        IStatusIndicator leds,
        IResetButtonSource button,
        IPairingWindow pairing,
        IHealthReporter health,
        IOptions<ProvisioningServerOptions> provisioningOptions,
        IOptions<GatewayHostOptions> options,
        IOptions<SoftApNamingOptions> naming,
        IOptions<CloudClientOptions> cloudOptions,
        TimeProvider time,
        ILoggerFactory loggers,
        ISubDeviceBridge? subDevices = null)
    {
        ArgumentNullException.ThrowIfNull(provisioningOptions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cloudOptions);
        ArgumentNullException.ThrowIfNull(naming);
        _naming = naming.Value;
        ArgumentNullException.ThrowIfNull(loggers);
        _machine = machine;
        _machineOptions = machineOptions;
        _store = store;
        _radio = radio;
        _cloud = cloud;
        _leds = leds;
        _button = button;
        _pairing = pairing;
        _subDevices = subDevices;
        _health = health;
        _provisioningOptions = provisioningOptions.Value;
        _options = options.Value;
        DefaultCloudUrl = cloudOptions.Value.DefaultCloudUrl;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<GatewayRunner>();
        _bridge = new ProvisioningBridge(this, store, radio, time);
        _button.ShortPress += () => Post(new ResetShortPress(_time.GetUtcNow()));
        _button.LongPress += () => Post(new ResetLongPress(_time.GetUtcNow()));
        _cloud.Event += OnCloudEvent;
    }

    /// <summary>The cloud a registration without a cloudUrl belongs to.</summary>
    internal string? DefaultCloudUrl { get; }

    /// <summary>The machine's state now.</summary>
    public GatewayState State => _machine.State;

    /// <summary>Where the provisioning server listens while the softAP is up.</summary>
    public ProvisioningServer? ProvisioningServer => _server;

    /// <summary>The search-only listener of a provisioned gateway (answers already_provisioned), when it runs.</summary>
    public ProvisioningServer? ProvisionedResponder => Volatile.Read(ref _responder);

    /// <summary>Raised when a provisioning listener (softAP or provisioned responder) started (for tests and diagnostics).</summary>
    public event Action? ListenersChanged;

    /// <summary>Raised after every transition (for tests and diagnostics).</summary>
    public event Action<GatewayTransition>? Transitioned;

    /// <summary>Queues one event for the loop.</summary>
    public void Post(GatewayEvent gatewayEvent) => _events.Writer.TryWrite(gatewayEvent);

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Post(new Shutdown(_time.GetUtcNow()));
        // Give the loop the time to log out (bounded by the host's shutdown timeout).
        await Task.WhenAny(_stopped.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            Post(await StartedEventAsync(stoppingToken).ConfigureAwait(false));
            await foreach (var gatewayEvent in _events.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                // The machine logs its own transitions (Log commands): one line per event.
                var transition = _machine.Handle(gatewayEvent);
                foreach (var command in transition.Commands)
                {
                    try
                    {
                        await ExecuteAsync(command, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                    {
                        // A failed command (radio, sockets, disk) is a fault the machine handles; the loop keeps running.
                        LogCommandFailed(_logger, e);
                        Post(new FaultReported(_time.GetUtcNow(), $"{command.GetType().Name} failed: {e.GetType().Name}"));
                    }
                }
                if (gatewayEvent is Started)
                {
                    // A gateway that boots registered never starts the softAP listener.
                    await StartResponderAsync(stoppingToken).ConfigureAwait(false);
                }
                Transitioned?.Invoke(transition);
                if (_machine.State == GatewayState.Stopped)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var timer in _timers.Values)
            {
                await timer.DisposeAsync().ConfigureAwait(false);
            }
            _timers.Clear();
            await _listeners.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                foreach (var listener in new[] { _server, _retiring, _responder })
                {
                    if (listener is not null)
                    {
                        await listener.DisposeAsync().ConfigureAwait(false);
                    }
                }
                _server = _retiring = null;
                Volatile.Write(ref _responder, null);
            }
            finally
            {
                _listeners.Release();
            }
            await _cloud.DisconnectAsync().ConfigureAwait(false);
            _stopped.TrySetResult();
        }
    }

    private async Task<Started> StartedEventAsync(CancellationToken ct)
    {
        var serial = ReadSerial(_options.SerialNumberPath);
        _identity = await _store.LoadOrCreateIdentityAsync(FormatMac(_radio), serial, ct).ConfigureAwait(false);
        var registration = await _store.LoadRegistrationAsync(ct).ConfigureAwait(false);
        var subDevices = await _store.LoadSubDevicesAsync(ct).ConfigureAwait(false);
        var resetFlag = await _store.LoadResetFlagAsync(ct).ConfigureAwait(false);
        var station = await _radio.GetStationStatusAsync(ct).ConfigureAwait(false);
        var corrupt = registration.Status == StateFileStatus.Corrupt || subDevices.Status == StateFileStatus.Corrupt;
        var value = registration.Value;
        return new Started(_time.GetUtcNow(), value is not null, resetFlag, station.Connected || station.Ssid is not null,
            value?.KeyExpiresAt, value?.ServiceExpiresAt, corrupt);
    }

    private async Task ExecuteAsync(GatewayCommand command, CancellationToken ct)
    {
        LogCommand(_logger, command.GetType().Name);
        switch (command)
        {
            case ScanNetworks:
                try
                {
                    _bridge.Networks = await _radio.ScanAsync(ct).ConfigureAwait(false);
                }
                catch (WifiException e)
                {
                    LogScanFailed(_logger, e.Message);
                }
                break;
            case StartAccessPoint:
                await _radio.StartAccessPointAsync(new AccessPointSettings(SoftApSsid()), ct).ConfigureAwait(false);
                break;
            case StopAccessPoint:
                await _radio.StopAccessPointAsync(ct).ConfigureAwait(false);
                break;
            case StartProvisioningListener:
                await StartProvisioningAsync(ct).ConfigureAwait(false);
                break;
            case StopProvisioningListener:
                await _listeners.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    if (_server is { } server)
                    {
                        _server = null;
                        _retiring = server;
                        // From now on a search hears already_provisioned and gets no session. The APP
                        // may still be reading its last answer (registrationAck): let that session end
                        // on its own, for a few seconds at most, before the sockets close.
                        server.UpdateContext(server.Context with { Provisioned = true });
                        _ = RetireAsync(server, ct);
                    }
                }
                finally
                {
                    _listeners.Release();
                }
                break;
            case JoinWifi join:
                Background(async () =>
                {
                    var result = await _radio.JoinAsync(join.Ssid, join.Password.Reveal(), join.Timeout, ct).ConfigureAwait(false);
                    if (result.Joined && _server is { } listener)
                    {
                        // The APP's second search comes over the router's LAN: deviceInfo says joined
                        // and, from a listener on all interfaces, names the address the join got (the
                        // softAP's is gone). A listener bound to one address keeps naming that one.
                        listener.UpdateContext(listener.Context with { Joined = true, Ip = BindsAllInterfaces ? result.Ip ?? listener.Context.Ip : listener.Context.Ip });
                    }
                    _bridge.CompleteJoin(result);
                    return result.Joined
                        ? new WifiJoined(_time.GetUtcNow(), result.Ip ?? "")
                        : new WifiJoinFailed(_time.GetUtcNow(), result.Failure ?? Protocol.Messages.WifiFailure.Timeout);
                });
                break;
            case ForgetWifi:
                await _radio.ForgetAsync(ct).ConfigureAwait(false);
                break;
            case LogIn:
                Background(async () =>
                {
                    var attempt = await _cloud.LogInAsync(ct).ConfigureAwait(false);
                    return attempt.Reply is { } reply
                        ? new LoginSucceeded(_time.GetUtcNow(), reply.KeyExpiresAt, reply.SessionExpiresAt, reply.ServiceExpiresAt)
                        : new LoginFailed(_time.GetUtcNow(), attempt.Failure ?? LoginFailureKind.Transient);
                });
                break;
            case ConnectSession:
                Background(async () =>
                {
                    var (connected, failure, _) = await _cloud.ConnectAsync(ct).ConfigureAwait(false);
                    return connected ? new SessionConnected(_time.GetUtcNow())
                        : failure == ConnectFailureKind.Refused ? new SessionRefused(_time.GetUtcNow())
                        : new SessionLost(_time.GetUtcNow());
                });
                break;
            case Disconnect:
                await _cloud.DisconnectAsync().ConfigureAwait(false);
                break;
            case LogOut:
                await _cloud.LogOutAsync(ct).ConfigureAwait(false);
                break;
            case SendResetUnbind:
                Background(async () =>
                {
                    var result = await _cloud.ResetUnbindAsync(_machineOptions.ResetUnbindTimeout, ct).ConfigureAwait(false);
                    return result is null ? new ResetUnbindTimedOut(_time.GetUtcNow()) : new ResetUnbindAnswered(_time.GetUtcNow(), result.RemovedBindings);
                });
                break;
            case WipeCredentials wipe:
                Background(async () =>
                {
                    await _cloud.DisconnectAsync().ConfigureAwait(false);
                    await _store.WipeCredentialsAsync(ct).ConfigureAwait(false);
                    if (_subDevices is not null)
                    {
                        await _subDevices.WipeAsync(ct).ConfigureAwait(false);
                    }
                    await _store.SaveResetFlagAsync(wipe.SetResetFlag, ct).ConfigureAwait(false);
                    return new WipeCompleted(_time.GetUtcNow());
                });
                break;
            case ShowLeds leds:
                _leds.Show(leds.Led);
                break;
            case OpenPairingWindow pairing:
                _pairing.Open(pairing.Duration);
                break;
            case StartTimer start:
                await StartTimerAsync(start).ConfigureAwait(false);
                break;
            case CancelTimer cancel:
                if (_timers.Remove(cancel.Timer, out var timer))
                {
                    await timer.DisposeAsync().ConfigureAwait(false);
                }
                break;
            case ReportHealth health:
                _health.Report(health.Healthy);
                break;
            case Log log:
                LogMachine(_logger, log.Level, log.EventId.Id, log.EventId.Name ?? "", log.Message);
                break;
            default:
                LogUnknownCommand(_logger, command.GetType().Name);
                break;
        }
    }

    private async Task StartProvisioningAsync(CancellationToken ct)
    {
        await _listeners.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await StartProvisioningCoreAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _listeners.Release();
        }
    }

    private async Task StartProvisioningCoreAsync(CancellationToken ct)
    {
        if (_server is not null || _identity is not { } identity)
        {
            return;
        }
        // Port1 is the softAP listener's again: a retiring listener ends now, the responder goes.
        if (_retiring is { } retiring)
        {
            _retiring = null;
            await retiring.DisposeAsync().ConfigureAwait(false);
        }
        if (Volatile.Read(ref _responder) is { } responder)
        {
            Volatile.Write(ref _responder, null);
            await responder.DisposeAsync().ConfigureAwait(false);
        }
        var resetFlag = await _store.LoadResetFlagAsync(ct).ConfigureAwait(false);
        var station = await _radio.GetStationStatusAsync(ct).ConfigureAwait(false);
        // Not joined, listening on all interfaces (the default, which broadcasts need): the APP
        // reaches the gateway on its softAP, so deviceInfo names the softAP's address. A listener
        // bound to one address names that one itself.
        var ip = station.Connected || !BindsAllInterfaces ? station.Ip : new AccessPointSettings(SoftApSsid()).Address;
        var context = GatewayProvisioningContext.FromIdentity(identity, _options.OpenMode, resetFlag, station.Connected, ip);
        var server = new ProvisioningServer(_provisioningOptions, context, _bridge, _bridge, _loggers.CreateLogger<ProvisioningServer>(), _time);
        await server.StartAsync(ct).ConfigureAwait(false);
        _server = server;
    }

    private bool BindsAllInterfaces =>
        System.Net.IPAddress.TryParse(_provisioningOptions.BindAddress, out var bind) && bind.Equals(System.Net.IPAddress.Any);

    private async Task RetireAsync(ProvisioningServer server, CancellationToken ct)
    {
        try
        {
            var deadline = _time.GetUtcNow() + ListenerGrace;
            while (server.ConnectionCount > 0 && _time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, ct).ConfigureAwait(false);
            }
            await _listeners.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the loop's cleanup disposes every listener.
            return;
        }
        try
        {
            if (!ReferenceEquals(_retiring, server))
            {
                // The softAP listener started again meanwhile and already ended this one.
                return;
            }
            _retiring = null;
            await server.DisposeAsync().ConfigureAwait(false);
            await StartResponderCoreAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogResponderFailed(_logger, e.GetType().Name, e.Message);
        }
        finally
        {
            _listeners.Release();
        }
    }

    private async Task StartResponderAsync(CancellationToken ct)
    {
        await _listeners.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await StartResponderCoreAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _listeners.Release();
        }
    }

    /// <summary>
    /// Starts the search-only listener of a provisioned gateway, unless another listener holds
    /// port1. It is a courtesy to the APP (a clear "reset it first"), so a failure is logged, never
    /// a fault.
    /// </summary>
    private async Task StartResponderCoreAsync(CancellationToken ct)
    {
        if (_server is not null || _retiring is not null || Volatile.Read(ref _responder) is not null || _identity is not { } identity
            || ct.IsCancellationRequested || _machine.State is GatewayState.Stopped)
        {
            return;
        }
        var context = GatewayProvisioningContext.FromIdentity(identity, _options.OpenMode, resetFlag: false, joined: true) with { Provisioned = true };
        var responder = new ProvisioningServer(_provisioningOptions, context, _bridge, _bridge, _loggers.CreateLogger<ProvisioningServer>(), _time);
        try
        {
            await responder.StartAsync(ct).ConfigureAwait(false);
            Volatile.Write(ref _responder, responder);
            ListenersChanged?.Invoke();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
        {
            await responder.DisposeAsync().ConfigureAwait(false);
            LogResponderFailed(_logger, e.GetType().Name, e.Message);
        }
    }

    /// <summary>How long a provisioning session may finish after the listener was told to stop.</summary>
    public static readonly TimeSpan ListenerGrace = TimeSpan.FromSeconds(5);

    private async Task StartTimerAsync(StartTimer start)
    {
        if (_timers.Remove(start.Timer, out var previous))
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }
        _timers[start.Timer] = _time.CreateTimer(
            _ => Post(new TimerFired(_time.GetUtcNow(), start.Timer, start.Sequence)), null, start.Duration, Timeout.InfiniteTimeSpan);
    }

    private void Background(Func<Task<GatewayEvent>> work) =>
        _ = Task.Run(async () =>
        {
            try
            {
                Post(await work().ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogCommandFailed(_logger, e);
                Post(new FaultReported(_time.GetUtcNow(), e.GetType().Name));
            }
        });

    private void OnCloudEvent(CloudEvent cloudEvent)
    {
        switch (cloudEvent.Kind)
        {
            case CloudEventKind.SessionLost:
                Post(new SessionLost(_time.GetUtcNow()));
                break;
            case CloudEventKind.KeysRotated when _cloud.Session is not null:
                _ = Task.Run(async () =>
                {
                    var registration = await _store.LoadRegistrationAsync(CancellationToken.None).ConfigureAwait(false);
                    if (registration.Value is { } value)
                    {
                        Post(new KeyRotated(_time.GetUtcNow(), value.KeyExpiresAt));
                    }
                });
                break;
            default:
                break;
        }
    }

    private string SoftApSsid() => Qr.SoftApSsid.For(_naming, FormatMac(_radio));

    private static string FormatMac(IWifiRadio radio) =>
        string.Join(':', radio.MacAddress.GetAddressBytes().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    private static string? ReadSerial(string? path)
    {
        try
        {
            return string.IsNullOrEmpty(path) || !File.Exists(path) ? null : File.ReadAllText(path).Trim('\0', ' ', '\n');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 2200, Message = "{Message} (machine event {MachineEventId} {MachineEventName})")]
    private static partial void LogMachine(ILogger logger, LogLevel level, int machineEventId, string machineEventName, string message);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Debug, Message = "Command {Command}")]
    private static partial void LogCommand(ILogger logger, string command);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Scanning for networks failed: {Reason}")]
    private static partial void LogScanFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Error, Message = "A gateway command failed")]
    private static partial void LogCommandFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Warning, Message = "The provisioned gateway's search responder is off ({Error}: {Reason}); searches get no answer")]
    private static partial void LogResponderFailed(ILogger logger, string error, string reason);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "Unknown command {Command}")]
    private static partial void LogUnknownCommand(ILogger logger, string command);
}
