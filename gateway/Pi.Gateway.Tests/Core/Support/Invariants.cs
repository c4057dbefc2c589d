using Pi.Gateway.Core;

namespace Pi.Gateway.Tests.Core.Support;

/// <summary>What must hold after every step, whatever came before.</summary>
internal static class Invariants
{
    public static readonly GatewayState[] AccessPointStates = [GatewayState.Unprovisioned, GatewayState.Provisioning, GatewayState.KeyExpired];

    public static readonly GatewayState[] ListenerStates = [.. AccessPointStates, GatewayState.JoiningWifi, GatewayState.AwaitingRegistration];

    public static readonly GatewayState[] PendingAllowed =
    [
        .. ListenerStates, GatewayState.LoggingIn, GatewayState.Reconnecting, GatewayState.ServiceExpired,
    ];

    public static void Check(GatewaySnapshot s, ActuatorModel model)
    {
        var state = s.State;
        var online = state is GatewayState.Online or GatewayState.KeyExpiring;
        var unbinding = state == GatewayState.Resetting && s.ResetPhase == ResetPhase.Unbinding;
        var wiping = state == GatewayState.Resetting && s.ResetPhase == ResetPhase.Wiping;

        // The machine's own view agrees with what its commands did.
        That(model.AccessPointOn == s.AccessPointOn, "AP: model vs machine", s);
        That(model.ListenerOn == s.ProvisioningListenerOn, "listener: model vs machine", s);
        That(model.SessionOpen == s.SessionOpen, "session: model vs machine", s);
        That(model.Timers.Keys.Order().SequenceEqual(s.ArmedTimers), $"timers: model [{string.Join(",", model.Timers.Keys.Order())}] vs machine [{string.Join(",", s.ArmedTimers)}]", s);
        That(model.Led == s.Led, "LED: model vs machine", s);

        // What each state means.
        That(s.AccessPointOn == AccessPointStates.Contains(state), "the AP is on exactly in the softAP states (never Online)", s);
        That(s.ProvisioningListenerOn == ListenerStates.Contains(state), "the listener is on exactly in the provisioning states", s);
        // A reconnect that reuses the last login's session opens it while still Reconnecting, and
        // enters Online only once the cloud took it.
        var reconnectAttempt = state == GatewayState.Reconnecting && s.SessionOpen && !s.SessionConnected;
        That(s.SessionOpen == (online || unbinding || reconnectAttempt), "a session is open exactly Online, while unbinding, or as a reconnect's attempt", s);
        That(s.Led == (state == GatewayState.Starting ? null : GatewayStateMachine.LedFor(state)), "LEDs show the state", s);
        That(model.Healthy is null || model.Healthy == (state != GatewayState.Fault), "healthy unless Fault", s);
        That((s.ResetPhase != ResetPhase.None) == (state == GatewayState.Resetting), "reset phase only while resetting", s);

        bool Armed(GatewayTimer t) => s.ArmedTimers.Contains(t);
        That(Armed(GatewayTimer.Heartbeat) == state is not (GatewayState.Starting or GatewayState.Stopped), "heartbeat while running", s);
        That(Armed(GatewayTimer.FailSafe) == s.ProvisioningPending, "fail-safe armed exactly while provisioning is pending", s);
        That(!s.ProvisioningPending || PendingAllowed.Contains(state), "provisioning pending only on the way to Online", s);
        That(s.ProvisioningPending || state is not (GatewayState.Provisioning or GatewayState.JoiningWifi or GatewayState.AwaitingRegistration), "provisioning states have a pending attempt", s);
        That(Armed(GatewayTimer.WifiJoin) == (state == GatewayState.JoiningWifi), "WifiJoin guard only while joining", s);
        That(Armed(GatewayTimer.Login) == (state == GatewayState.LoggingIn), "Login guard only while logging in", s);
        That(Armed(GatewayTimer.Reconnect) == (state == GatewayState.Reconnecting), "Reconnect timer exactly while reconnecting", s);
        That(Armed(GatewayTimer.KeyExpiry) == online, "KeyExpiry timer exactly while online", s);
        That(Armed(GatewayTimer.ServiceRetry) == (state == GatewayState.ServiceExpired), "ServiceRetry only while service expired", s);
        That(Armed(GatewayTimer.ResetUnbind) == unbinding, "ResetUnbind only while unbinding", s);
        That(Armed(GatewayTimer.Wipe) == wiping, "Wipe only while wiping", s);
        That(state != GatewayState.Stopped || s.ArmedTimers.Count == 0, "no timer survives Shutdown", s);
        That(!online || s.HasRegistration, "online only with a registration", s);
    }

    private static void That(bool condition, string what, GatewaySnapshot s)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"invariant broken: {what}; {s}");
        }
    }
}
