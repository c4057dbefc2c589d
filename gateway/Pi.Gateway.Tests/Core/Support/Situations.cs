using Pi.Gateway.Core;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Core.Support;

/// <summary>Every state (and the variants that behave differently), each reached by a real path.</summary>
public enum Situation
{
    Starting,
    Unprovisioned,
    Provisioning,
    JoiningWifi,
    AwaitingRegistration,
    LoggingInAfterProvisioning,
    LoggingInAtBoot,
    Online,
    KeyExpiring,
    Reconnecting,
    ReconnectingWithoutWifi,
    KeyExpired,
    ServiceExpired,
    ResettingUnbinding,
    ResettingWiping,
    Fault,
    Stopped,
}

/// <summary>One canonical instance of every event (each login failure kind and each timer separately).</summary>
public enum EventKind
{
    Started,
    AppSessionStarted,
    AppSessionEnded,
    WifiCredentialsReceived,
    WifiJoined,
    WifiJoinFailed,
    RegistrationStored,
    LoginSucceeded,
    LoginFailedTransient,
    LoginFailedBadCredentials,
    LoginFailedKeyExpired,
    LoginFailedServiceExpired,
    SessionConnected,
    SessionLost,
    SessionRefused,
    KeyRotated,
    ResetLongPress,
    ResetShortPress,
    ResetUnbindAnswered,
    ResetUnbindTimedOut,
    WipeCompleted,
    TimerHeartbeat,
    TimerFailSafe,
    TimerWifiJoin,
    TimerLogin,
    TimerReconnect,
    TimerKeyExpiry,
    TimerServiceRetry,
    TimerResetUnbind,
    TimerWipe,
    Shutdown,
    WifiLost,
    WifiRestored,
    PairingRequested,
    FaultReported,
}

internal static class Situations
{
    public static Harness Arrange(Situation situation, GatewayStateMachineOptions? options = null)
    {
        var h = new Harness(options);
        switch (situation)
        {
            case Situation.Starting:
                break;
            case Situation.Unprovisioned:
                h.StartFresh();
                break;
            case Situation.Provisioning:
                h.StartFresh();
                h.Send(n => new AppSessionStarted(n));
                break;
            case Situation.JoiningWifi:
                h.StartFresh();
                h.Send(n => new AppSessionStarted(n));
                h.Credentials();
                break;
            case Situation.AwaitingRegistration:
                h.StartFresh();
                h.Send(n => new AppSessionStarted(n));
                h.Credentials();
                h.Joined();
                break;
            case Situation.LoggingInAfterProvisioning:
                h.ProvisionUntilLogin();
                break;
            case Situation.LoggingInAtBoot:
                h.StartRegistered();
                break;
            case Situation.Online:
                h.StartRegistered();
                h.LoginOk();
                break;
            case Situation.KeyExpiring:
                h.StartRegistered(TimeSpan.FromDays(5));
                h.LoginOk(TimeSpan.FromDays(5));
                break;
            case Situation.Reconnecting:
                h.BootOnline();
                h.Send(n => new SessionLost(n));
                break;
            case Situation.ReconnectingWithoutWifi:
                h.BootOnline();
                h.Send(n => new WifiLost(n));
                break;
            case Situation.KeyExpired:
                h.StartRegistered();
                h.LoginFails(LoginFailureKind.KeyExpired);
                break;
            case Situation.ServiceExpired:
                h.StartRegistered();
                h.LoginFails(LoginFailureKind.ServiceExpired);
                break;
            case Situation.ResettingUnbinding:
                h.BootOnline();
                h.Send(n => new ResetLongPress(n));
                break;
            case Situation.ResettingWiping:
                h.StartFresh();
                h.Send(n => new ResetLongPress(n));
                break;
            case Situation.Fault:
                h.StartFresh();
                h.Send(n => new FaultReported(n, "the softAP would not start"));
                break;
            case Situation.Stopped:
                h.StartFresh();
                h.Send(n => new Shutdown(n));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(situation));
        }
        return h;
    }

    /// <summary>The canonical event; a timer that is not armed fires with a sequence the machine never issued.</summary>
    public static GatewayEvent Make(EventKind kind, Harness h)
    {
        var n = h.Now;
        TimerFired Timer(GatewayTimer t) => new(n, t, h.Model.Timers.TryGetValue(t, out var armed) ? armed.Sequence : 1_000_000);
        return kind switch
        {
            EventKind.Started => new Started(n, true, false, true, n.AddDays(365), n.AddDays(730)),
            EventKind.AppSessionStarted => new AppSessionStarted(n),
            EventKind.AppSessionEnded => new AppSessionEnded(n),
            EventKind.WifiCredentialsReceived => new WifiCredentialsReceived(n, "other-router", new SecretString("another password")),
            EventKind.WifiJoined => new WifiJoined(n, "192.168.1.21"),
            EventKind.WifiJoinFailed => new WifiJoinFailed(n, WifiFailure.NetworkNotFound),
            EventKind.RegistrationStored => new RegistrationStored(n),
            EventKind.LoginSucceeded => new LoginSucceeded(n, n.AddDays(365), n.AddHours(24), n.AddDays(730)),
            EventKind.LoginFailedTransient => new LoginFailed(n, LoginFailureKind.Transient),
            EventKind.LoginFailedBadCredentials => new LoginFailed(n, LoginFailureKind.BadCredentials),
            EventKind.LoginFailedKeyExpired => new LoginFailed(n, LoginFailureKind.KeyExpired),
            EventKind.LoginFailedServiceExpired => new LoginFailed(n, LoginFailureKind.ServiceExpired),
            EventKind.SessionConnected => new SessionConnected(n),
            EventKind.SessionLost => new SessionLost(n),
            EventKind.SessionRefused => new SessionRefused(n),
            EventKind.KeyRotated => new KeyRotated(n, n.AddDays(365)),
            EventKind.ResetLongPress => new ResetLongPress(n),
            EventKind.ResetShortPress => new ResetShortPress(n),
            EventKind.ResetUnbindAnswered => new ResetUnbindAnswered(n, 1),
            EventKind.ResetUnbindTimedOut => new ResetUnbindTimedOut(n),
            EventKind.WipeCompleted => new WipeCompleted(n),
            EventKind.TimerHeartbeat => Timer(GatewayTimer.Heartbeat),
            EventKind.TimerFailSafe => Timer(GatewayTimer.FailSafe),
            EventKind.TimerWifiJoin => Timer(GatewayTimer.WifiJoin),
            EventKind.TimerLogin => Timer(GatewayTimer.Login),
            EventKind.TimerReconnect => Timer(GatewayTimer.Reconnect),
            EventKind.TimerKeyExpiry => Timer(GatewayTimer.KeyExpiry),
            EventKind.TimerServiceRetry => Timer(GatewayTimer.ServiceRetry),
            EventKind.TimerResetUnbind => Timer(GatewayTimer.ResetUnbind),
            EventKind.TimerWipe => Timer(GatewayTimer.Wipe),
            EventKind.Shutdown => new Shutdown(n),
            EventKind.WifiLost => new WifiLost(n),
            EventKind.WifiRestored => new WifiRestored(n),
            EventKind.PairingRequested => new PairingRequested(n, TimeSpan.FromSeconds(60)),
            EventKind.FaultReported => new FaultReported(n, "the store cannot write"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
