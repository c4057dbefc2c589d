namespace Pi.Gateway.Core;

/// <summary>
/// Where the gateway is. <see cref="GatewayStateMachine"/> moves between these on
/// <see cref="GatewayEvent"/>s; Core/README.md has the full transition table.
/// </summary>
public enum GatewayState
{
    /// <summary>Constructed; waiting for <see cref="Started"/>.</summary>
    Starting = 0,

    /// <summary>softAP on, provisioning listener on, no APP session (first start, after a reset, corrupt state, rollback).</summary>
    Unprovisioned,

    /// <summary>An APP session is open on the softAP.</summary>
    Provisioning,

    /// <summary>The radio left the softAP to join the router the APP named.</summary>
    JoiningWifi,

    /// <summary>Joined the router; the listener waits on the router LAN for registrationInfo.</summary>
    AwaitingRegistration,

    /// <summary>A login (S200) is in flight.</summary>
    LoggingIn,

    /// <summary>Logged in; the session channel is connecting or connected.</summary>
    Online,

    /// <summary>Online, and the key pair expires within <see cref="GatewayStateMachineOptions.KeyExpiryWarning"/>.</summary>
    KeyExpiring,

    /// <summary>The session or a login failed; waiting (backoff or Wi-Fi) before the next try.</summary>
    Reconnecting,

    /// <summary>The cloud refused the key pair (expired, or rejected too often): softAP so the APP can re-register.</summary>
    KeyExpired,

    /// <summary>The cloud says the service period ended: LED error, a login is retried every <see cref="GatewayStateMachineOptions.ServiceRetryInterval"/>.</summary>
    ServiceExpired,

    /// <summary>Factory reset in progress (see <see cref="ResetPhase"/>).</summary>
    Resetting,

    /// <summary>A component failed in a way the machine cannot work around; reported unhealthy so the watchdog restarts the service.</summary>
    Fault,

    /// <summary>Shut down; every event is ignored.</summary>
    Stopped,
}

/// <summary>The two phases of <see cref="GatewayState.Resetting"/>.</summary>
public enum ResetPhase
{
    /// <summary>Not resetting.</summary>
    None = 0,

    /// <summary>resetUnbind sent; waiting (bounded) for the cloud's answer.</summary>
    Unbinding,

    /// <summary>Credentials and Wi-Fi being wiped; waiting for <see cref="WipeCompleted"/>.</summary>
    Wiping,
}

/// <summary>What the status LEDs show.</summary>
public enum LedState
{
    /// <summary>LEDs off (stopped).</summary>
    Off = 0,

    /// <summary>softAP up, waiting for the APP.</summary>
    SoftApWaiting,

    /// <summary>An APP is provisioning.</summary>
    Provisioning,

    /// <summary>Joining Wi-Fi or logging in.</summary>
    Connecting,

    /// <summary>Online.</summary>
    Online,

    /// <summary>The cloud cannot be reached; retrying.</summary>
    CloudUnreachable,

    /// <summary>Online, but the key pair expires soon.</summary>
    KeyExpiring,

    /// <summary>The key pair is no longer accepted: re-register with the APP.</summary>
    KeyExpired,

    /// <summary>Factory reset in progress.</summary>
    Resetting,

    /// <summary>Service expired, or a fault.</summary>
    Error,
}

/// <summary>
/// The machine's timers. The host runs them (<see cref="StartTimer"/>, <see cref="CancelTimer"/>)
/// and reports <see cref="TimerFired"/> with the sequence it was started with.
/// </summary>
public enum GatewayTimer
{
    /// <summary>Periodic: proves the event loop runs (each firing emits <see cref="ReportHealth"/>).</summary>
    Heartbeat = 0,

    /// <summary>Provisioning must reach Online before this fires, or everything it changed is rolled back.</summary>
    FailSafe,

    /// <summary>Guard on <see cref="JoinWifi"/>: no answer in time counts as a failed join.</summary>
    WifiJoin,

    /// <summary>Guard on <see cref="LogIn"/>: no answer in time counts as a transient failure.</summary>
    Login,

    /// <summary>Backoff before the next login or session connect.</summary>
    Reconnect,

    /// <summary>The next key-expiry boundary (warning start, or expiry); re-armed at most a day at a time.</summary>
    KeyExpiry,

    /// <summary>Retry a login while the service period is over.</summary>
    ServiceRetry,

    /// <summary>Bound on waiting for resetUnbindResult.</summary>
    ResetUnbind,

    /// <summary>Bound on waiting for <see cref="WipeCompleted"/>; firing means a fault.</summary>
    Wipe,
}

/// <summary>How a login failed, as the cloud-session service classifies it (<see cref="LoginFailures.Classify"/>).</summary>
public enum LoginFailureKind
{
    /// <summary>Network error, timeout, rate limit, expired challenge, cloud internal error: try again later.</summary>
    Transient = 0,

    /// <summary>bad_credentials or unknown_device: the registration is not (or no longer) accepted.</summary>
    BadCredentials,

    /// <summary>key_expired: the APP must re-register the gateway.</summary>
    KeyExpired,

    /// <summary>service_expired: the service period is over.</summary>
    ServiceExpired,
}

/// <summary>Whether an event changed anything.</summary>
public enum EventOutcome
{
    /// <summary>The event was acted on (a transition, a command, or a change of what the machine knows).</summary>
    Handled = 0,

    /// <summary>The event does not apply in this state: nothing changed (a debug log and the health report only).</summary>
    Ignored,
}
