using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Core;

// Factory reset (resetUnbind, wipe), faults and shutdown.
public sealed partial class GatewayStateMachine
{
    private bool OnResetLongPress()
    {
        if (_state == GatewayState.Resetting)
        {
            return false;
        }
        CloseProvisioning();
        if (IsOnline)
        {
            // The seed: if the gateway can talk to the cloud, it asks it to remove every binding first.
            Emit(new Log(LogLevel.Warning, GatewayLogEvents.Reset, "factory reset: sending resetUnbind"));
            Enter(GatewayState.Resetting, ResetPhase.Unbinding);
            Emit(new SendResetUnbind());
            Arm(GatewayTimer.ResetUnbind, _options.ResetUnbindTimeout);
        }
        else
        {
            Emit(new Log(LogLevel.Warning, GatewayLogEvents.Reset, $"factory reset from {_state}: the cloud is not reachable, wiping without resetUnbind"));
            BeginWipe();
        }
        return true;
    }

    private bool OnUnbindFinished(string why)
    {
        if (_state != GatewayState.Resetting || _resetPhase != ResetPhase.Unbinding)
        {
            return false;
        }
        Emit(new Log(LogLevel.Information, GatewayLogEvents.Reset, why + ": wiping"));
        BeginWipe();
        return true;
    }

    /// <summary>Everything off, then the registration, sub-device keys and router forgotten; the reset flag set.</summary>
    private void BeginWipe()
    {
        CloseProvisioning();
        Enter(GatewayState.Resetting, ResetPhase.Wiping);
        CloseSession();
        Listener(on: false);
        AccessPoint(on: false);
        Emit(new WipeCredentials(SetResetFlag: true));
        Emit(new ForgetWifi());
        Arm(GatewayTimer.Wipe, _options.WipeTimeout);
        _hasRegistration = false;
        _resetFlag = true;
        _wifiConfigured = false;
        _wifiUp = false;
        _keyExpiresAt = null;
        _sessionExpiresAt = null;
        _serviceExpiresAt = null;
        _reconnectAttempt = 0;
        _badCredentialFailures = 0;
    }

    private bool OnWipeCompleted()
    {
        if (_state != GatewayState.Resetting || _resetPhase != ResetPhase.Wiping)
        {
            // A rollback's wipe completes in the softAP: nothing waits for it.
            return false;
        }
        EnterSoftAp(GatewayState.Unprovisioned);
        return true;
    }

    private bool OnFault(string reason)
    {
        if (_state is GatewayState.Fault or GatewayState.Stopped)
        {
            return false;
        }
        Emit(new Log(LogLevel.Error, GatewayLogEvents.Fault, $"fault in {_state}: {reason}"));
        CloseProvisioning();
        Enter(GatewayState.Fault);
        CloseSession();
        Listener(on: false);
        AccessPoint(on: false);
        if (!_armed.ContainsKey(GatewayTimer.Heartbeat))
        {
            // Faulted before Started: the heartbeat still reports (unhealthy) so the watchdog acts.
            Arm(GatewayTimer.Heartbeat, _options.HeartbeatInterval);
        }
        return true;
    }

    private bool OnShutdown()
    {
        if (_state == GatewayState.Stopped)
        {
            return false;
        }
        var loggedIn = IsOnline && _sessionOpen;
        _provisioning = null;
        DisarmAll();
        if (loggedIn)
        {
            // S403: the cloud invalidates the sessionkey.
            Emit(new LogOut());
        }
        CloseSession();
        Listener(on: false);
        AccessPoint(on: false);
        Enter(GatewayState.Stopped);
        return true;
    }
}
