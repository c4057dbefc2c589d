using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Core;

/// <summary>
/// The gateway's brain, sans-IO: events in (<see cref="Handle"/>), commands out. It has no clock, no
/// timers and no randomness of its own: time is each event's <see cref="GatewayEvent.Now"/>, timers
/// are <see cref="StartTimer"/>/<see cref="CancelTimer"/> commands answered by <see cref="TimerFired"/>,
/// and the backoff jitter comes from the injected source. Not thread-safe: the host feeds one event
/// at a time. <see cref="Handle"/> does not throw for any event in any state; events that do not
/// apply are ignored (logged at debug). Core/README.md has the transition table.
/// </summary>
/// <remarks>
/// Invariants (checked by the property tests): the softAP is on exactly in Unprovisioned,
/// Provisioning and KeyExpired (never while Online); the provisioning listener is on exactly in
/// those and JoiningWifi, AwaitingRegistration; each state's guard timer is armed only in it; the
/// fail-safe is armed exactly while a provisioning is pending; Shutdown leaves no timer armed.
/// </remarks>
public sealed partial class GatewayStateMachine
{
    // Timers that belong to one state: leaving the state cancels them.
    private static readonly GatewayTimer[] StateTimers =
    [
        GatewayTimer.WifiJoin, GatewayTimer.Login, GatewayTimer.Reconnect, GatewayTimer.KeyExpiry,
        GatewayTimer.ServiceRetry, GatewayTimer.ResetUnbind, GatewayTimer.Wipe,
    ];

    private readonly GatewayStateMachineOptions _options;
    private readonly Func<double> _jitter;
    private readonly Dictionary<GatewayTimer, long> _armed = [];
    private readonly List<GatewayCommand> _out = [];
    private long _timerSequence;

    private GatewayState _state = GatewayState.Starting;
    private ResetPhase _resetPhase;
    private LedState? _led;

    // What the commands emitted so far have turned on (so every start/stop is emitted once).
    private bool _accessPointOn;
    private bool _listenerOn;
    private bool _sessionOpen;
    private bool _sessionConnected;
    // The open session is the last login's, reused by a reconnect (not one a login just made).
    private bool _sessionReused;

    // What the machine knows about the device.
    private bool _wifiConfigured;
    private bool _wifiUp;
    private bool _hasRegistration;
    private bool _resetFlag;
    private DateTimeOffset? _keyExpiresAt;
    private DateTimeOffset? _sessionExpiresAt;
    private DateTimeOffset? _serviceExpiresAt;
    private int _reconnectAttempt;
    private int _badCredentialFailures;
    private ProvisioningAttempt? _provisioning;

    /// <summary>Creates the machine in <see cref="GatewayState.Starting"/>.</summary>
    /// <param name="options">Validated settings.</param>
    /// <param name="jitter">Returns a number in [0, 1] for each backoff delay (e.g. a seeded generator in tests).</param>
    public GatewayStateMachine(GatewayStateMachineOptions options, Func<double> jitter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(jitter);
        options.ThrowIfInvalid();
        _options = options;
        _jitter = jitter;
    }

    /// <summary>The current state.</summary>
    public GatewayState State => _state;

    /// <summary>Everything the machine knows now.</summary>
    public GatewaySnapshot Snapshot => new(
        _state, _resetPhase, _led, _accessPointOn, _listenerOn, _sessionOpen, _sessionConnected,
        _wifiConfigured, _wifiUp, _hasRegistration, _resetFlag, _provisioning is not null,
        _keyExpiresAt, _sessionExpiresAt, _serviceExpiresAt, _reconnectAttempt, _badCredentialFailures,
        [.. _armed.Keys.Order()], Healthy);

    private bool Healthy => _state != GatewayState.Fault;

    private bool IsOnline => _state is GatewayState.Online or GatewayState.KeyExpiring;

    /// <summary>Feeds one event; returns the transition and the commands to run, in order.</summary>
    public GatewayTransition Handle(GatewayEvent gatewayEvent)
    {
        ArgumentNullException.ThrowIfNull(gatewayEvent);
        _out.Clear();
        var from = _state;
        var handled = Dispatch(gatewayEvent);
        var name = gatewayEvent.GetType().Name;
        if (!handled)
        {
            Emit(new Log(LogLevel.Debug, GatewayLogEvents.EventIgnored, $"{name} ignored in {from}"));
        }
        else if (_state != from)
        {
            Emit(new Log(LogLevel.Information, GatewayLogEvents.StateChanged, $"{from} -> {_state} on {name}"));
        }
        Emit(new ReportHealth(Healthy));
        return new GatewayTransition(from, _state, handled ? EventOutcome.Handled : EventOutcome.Ignored, [.. _out]);
    }

    private bool Dispatch(GatewayEvent e) => e switch
    {
        Shutdown => OnShutdown(),
        _ when _state == GatewayState.Stopped => false,
        Started started => OnStarted(started),
        FaultReported fault => OnFault(fault.Reason),
        _ when _state == GatewayState.Starting => false,
        TimerFired timer => OnTimer(timer),
        ResetLongPress => OnResetLongPress(),
        ResetShortPress => OnResetShortPress(),
        ResetUnbindAnswered answered => OnUnbindFinished($"resetUnbind answered: {answered.RemovedBindings} binding(s) removed"),
        ResetUnbindTimedOut => OnUnbindFinished("resetUnbind timed out"),
        WipeCompleted => OnWipeCompleted(),
        AppSessionStarted => OnAppSessionStarted(),
        AppSessionEnded => OnAppSessionEnded(),
        WifiCredentialsReceived credentials => OnWifiCredentials(credentials),
        WifiJoined => OnWifiJoined(),
        WifiJoinFailed failed => OnWifiJoinFailed(failed.Reason.ToString()),
        RegistrationStored => OnRegistrationStored(),
        LoginSucceeded succeeded => OnLoginSucceeded(succeeded),
        LoginFailed failed => OnLoginFailed(failed.Kind),
        SessionConnected connected => OnSessionConnected(connected.Now),
        SessionLost => OnSessionLost(refused: false),
        SessionRefused => OnSessionLost(refused: true),
        KeyRotated rotated => OnKeyRotated(rotated),
        WifiLost => OnWifiLost(),
        WifiRestored restored => OnWifiRestored(restored.Now),
        PairingRequested pairing => OnPairingRequested(pairing.Duration),
        _ => false,
    };

    private bool OnTimer(TimerFired fired)
    {
        // Only the latest start of a timer counts: a fire after a cancel or restart is stale.
        if (!_armed.TryGetValue(fired.Timer, out var sequence) || sequence != fired.Sequence)
        {
            return false;
        }
        _armed.Remove(fired.Timer);
        switch (fired.Timer)
        {
            case GatewayTimer.Heartbeat:
                Arm(GatewayTimer.Heartbeat, _options.HeartbeatInterval);
                return true;
            case GatewayTimer.FailSafe:
                RollBackProvisioning();
                return true;
            case GatewayTimer.WifiJoin:
                JoinFailed("no answer within the join timeout");
                return true;
            case GatewayTimer.Login:
                Emit(new Log(LogLevel.Warning, GatewayLogEvents.LoginFailed, "login: no answer in time"));
                ScheduleReconnect();
                return true;
            case GatewayTimer.Reconnect when _sessionOpen:
                // The reconnect with the last login's session got no answer in time: back off again.
                Emit(new Log(LogLevel.Information, GatewayLogEvents.ReconnectScheduled, "the session did not connect in time"));
                ScheduleReconnect();
                return true;
            case GatewayTimer.Reconnect:
                TryReconnect(fired.Now);
                return true;
            case GatewayTimer.KeyExpiry:
                OnKeyExpiryTimer(fired.Now);
                return true;
            case GatewayTimer.ServiceRetry:
                BeginLogin();
                return true;
            case GatewayTimer.ResetUnbind:
                return OnUnbindFinished("no resetUnbind answer in time");
            case GatewayTimer.Wipe:
                return OnFault("the factory-reset wipe did not complete in time");
            default:
                return false;
        }
    }

    /// <summary>Moves to <paramref name="next"/>: cancels the timers of the state left, shows its LEDs.</summary>
    private void Enter(GatewayState next, ResetPhase phase = ResetPhase.None)
    {
        foreach (var timer in StateTimers)
        {
            if (!Owns(next, phase, timer))
            {
                Disarm(timer);
            }
        }
        _state = next;
        _resetPhase = phase;
        var led = LedFor(next);
        if (_led != led)
        {
            _led = led;
            Emit(new ShowLeds(led));
        }
    }

    private static bool Owns(GatewayState state, ResetPhase phase, GatewayTimer timer) => timer switch
    {
        GatewayTimer.WifiJoin => state == GatewayState.JoiningWifi,
        GatewayTimer.Login => state == GatewayState.LoggingIn,
        GatewayTimer.Reconnect => state == GatewayState.Reconnecting,
        GatewayTimer.KeyExpiry => state is GatewayState.Online or GatewayState.KeyExpiring,
        GatewayTimer.ServiceRetry => state == GatewayState.ServiceExpired,
        GatewayTimer.ResetUnbind => state == GatewayState.Resetting && phase == ResetPhase.Unbinding,
        GatewayTimer.Wipe => state == GatewayState.Resetting && phase == ResetPhase.Wiping,
        _ => true,
    };

    /// <summary>The LED pattern of each state.</summary>
    public static LedState LedFor(GatewayState state) => state switch
    {
        GatewayState.Unprovisioned => LedState.SoftApWaiting,
        GatewayState.Provisioning or GatewayState.AwaitingRegistration => LedState.Provisioning,
        GatewayState.JoiningWifi or GatewayState.LoggingIn => LedState.Connecting,
        GatewayState.Online => LedState.Online,
        GatewayState.KeyExpiring => LedState.KeyExpiring,
        GatewayState.Reconnecting => LedState.CloudUnreachable,
        GatewayState.KeyExpired => LedState.KeyExpired,
        GatewayState.ServiceExpired or GatewayState.Fault => LedState.Error,
        GatewayState.Resetting => LedState.Resetting,
        _ => LedState.Off,
    };

    private void Emit(GatewayCommand command) => _out.Add(command);

    private void Arm(GatewayTimer timer, TimeSpan duration)
    {
        Disarm(timer);
        var bounded = duration < TimeSpan.Zero ? TimeSpan.Zero
            : duration > GatewayStateMachineOptions.MaxTimerDuration ? GatewayStateMachineOptions.MaxTimerDuration
            : duration;
        var sequence = ++_timerSequence;
        _armed[timer] = sequence;
        Emit(new StartTimer(timer, bounded, sequence));
    }

    private void Disarm(GatewayTimer timer)
    {
        if (_armed.Remove(timer))
        {
            Emit(new CancelTimer(timer));
        }
    }

    private void DisarmAll()
    {
        foreach (var timer in _armed.Keys.Order().ToArray())
        {
            Disarm(timer);
        }
    }

    private void AccessPoint(bool on)
    {
        if (_accessPointOn != on)
        {
            _accessPointOn = on;
            Emit(on ? new StartAccessPoint() : new StopAccessPoint());
        }
    }

    private void Listener(bool on)
    {
        if (_listenerOn != on)
        {
            _listenerOn = on;
            Emit(on ? new StartProvisioningListener() : new StopProvisioningListener());
        }
    }

    private void CloseSession()
    {
        if (_sessionOpen)
        {
            _sessionOpen = false;
            _sessionConnected = false;
            Emit(new Disconnect());
        }
    }

    private void OpenSession()
    {
        if (!_sessionOpen)
        {
            _sessionOpen = true;
            _sessionConnected = false;
            Emit(new ConnectSession());
        }
    }
}
