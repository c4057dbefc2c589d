using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Core;

/// <summary>
/// Something that happened, fed to <see cref="GatewayStateMachine.Handle"/>. <see cref="Now"/> is the
/// wall-clock time it happened (from the host's <see cref="TimeProvider"/>): the machine has no clock
/// of its own and uses it only to compare with expiries the cloud gave.
/// </summary>
public abstract record GatewayEvent(DateTimeOffset Now);

/// <summary>
/// The host has loaded its state and starts the machine (always the first event).
/// <paramref name="CorruptStateDetected"/>: a state file was unreadable (treated as missing: softAP).
/// The expiries are the stored ones, kept for the snapshot; decisions wait for the cloud's login answer.
/// </summary>
public sealed record Started(
    DateTimeOffset Now,
    bool HasValidRegistration,
    bool ResetFlag,
    bool WifiConfigured,
    DateTimeOffset? KeyExpiresAt = null,
    DateTimeOffset? ServiceExpiresAt = null,
    bool CorruptStateDetected = false) : GatewayEvent(Now);

/// <summary>An APP opened a provisioning session (its first TCP frame named a pending search).</summary>
public sealed record AppSessionStarted(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The APP's provisioning connection closed.</summary>
public sealed record AppSessionEnded(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The APP sent wifiCredentials (S4/H70). The password is redacted in <c>ToString</c>.</summary>
public sealed record WifiCredentialsReceived(DateTimeOffset Now, string Ssid, SecretString Password) : GatewayEvent(Now);

/// <summary>The station joined the router and has an address.</summary>
public sealed record WifiJoined(DateTimeOffset Now, string Ip) : GatewayEvent(Now);

/// <summary>The join failed (the radio is back in station mode, the softAP off).</summary>
public sealed record WifiJoinFailed(DateTimeOffset Now, WifiFailure Reason) : GatewayEvent(Now);

/// <summary>The APP's registrationInfo was stored (S104/H120); storing it cleared the reset flag.</summary>
public sealed record RegistrationStored(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The cloud accepted the login (S401/H150); the expiries are from its loginReply.</summary>
public sealed record LoginSucceeded(
    DateTimeOffset Now,
    DateTimeOffset KeyExpiresAt,
    DateTimeOffset SessionExpiresAt,
    DateTimeOffset? ServiceExpiresAt = null) : GatewayEvent(Now);

/// <summary>The login failed; <see cref="LoginFailures.Classify"/> maps the cloud's error code to the kind.</summary>
public sealed record LoginFailed(DateTimeOffset Now, LoginFailureKind Kind) : GatewayEvent(Now);

/// <summary>The session channel is connected and subscribed (resets the reconnect backoff).</summary>
public sealed record SessionConnected(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The session channel dropped (network, broker restart): the session may still be valid.</summary>
public sealed record SessionLost(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The broker refused the session (token unknown or expired): the next try must log in.</summary>
public sealed record SessionRefused(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>A keyRotation was stored and acknowledged; the new pair expires at <paramref name="KeyExpiresAt"/>.</summary>
public sealed record KeyRotated(DateTimeOffset Now, DateTimeOffset KeyExpiresAt) : GatewayEvent(Now);

/// <summary>The reset button was held (factory reset).</summary>
public sealed record ResetLongPress(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The reset button was pressed briefly (open the sub-device pairing window).</summary>
public sealed record ResetShortPress(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The cloud answered resetUnbind (resetUnbindResult).</summary>
public sealed record ResetUnbindAnswered(DateTimeOffset Now, int RemovedBindings) : GatewayEvent(Now);

/// <summary>The session service gave up waiting for resetUnbindResult (its own bound).</summary>
public sealed record ResetUnbindTimedOut(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The <see cref="WipeCredentials"/> of a factory reset finished.</summary>
public sealed record WipeCompleted(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>A timer the machine started fired; <paramref name="Sequence"/> is the one its <see cref="StartTimer"/> carried.</summary>
public sealed record TimerFired(DateTimeOffset Now, GatewayTimer Timer, long Sequence) : GatewayEvent(Now);

/// <summary>The host is stopping.</summary>
public sealed record Shutdown(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The station lost its router (carrier or address gone).</summary>
public sealed record WifiLost(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The station is back on its router with an address.</summary>
public sealed record WifiRestored(DateTimeOffset Now) : GatewayEvent(Now);

/// <summary>The cloud asked (session channel request) to open the sub-device pairing window; null: the default length.</summary>
public sealed record PairingRequested(DateTimeOffset Now, TimeSpan? Duration = null) : GatewayEvent(Now);

/// <summary>
/// A component failed in a way nothing in the machine can work around (the softAP or listener would
/// not start, the store cannot write). <paramref name="Reason"/> is logged: no secrets.
/// </summary>
public sealed record FaultReported(DateTimeOffset Now, string Reason) : GatewayEvent(Now);

/// <summary>Maps the cloud's login error codes to <see cref="LoginFailureKind"/>.</summary>
public static class LoginFailures
{
    /// <summary>
    /// bad_credentials and unknown_device mean the registration is not accepted; key_expired and
    /// service_expired are themselves; anything else (session_expired challenge, rate_limited,
    /// timeout, internal, ...) is transient.
    /// </summary>
    public static LoginFailureKind Classify(ProtocolErrorCode code) => code switch
    {
        ProtocolErrorCode.BadCredentials or ProtocolErrorCode.UnknownDevice => LoginFailureKind.BadCredentials,
        ProtocolErrorCode.KeyExpired => LoginFailureKind.KeyExpired,
        ProtocolErrorCode.ServiceExpired => LoginFailureKind.ServiceExpired,
        _ => LoginFailureKind.Transient,
    };
}
