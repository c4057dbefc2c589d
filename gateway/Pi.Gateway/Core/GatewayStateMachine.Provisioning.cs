using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Core;

// Start, the softAP, the APP's provisioning session, Wi-Fi join and registration, and the fail-safe.
public sealed partial class GatewayStateMachine
{
    /// <summary>
    /// What one provisioning changed, so the fail-safe can put it back. Opened when an APP starts
    /// provisioning from the softAP; closed at Online, at a rollback, a reset or a fault.
    /// </summary>
    private sealed class ProvisioningAttempt(GatewayState home, bool resetFlagBefore)
    {
        /// <summary>The softAP state it started from (Unprovisioned or KeyExpired).</summary>
        public GatewayState Home { get; } = home;

        public bool ResetFlagBefore { get; } = resetFlagBefore;

        public bool WifiJoined { get; set; }

        public bool RegistrationStored { get; set; }

        public bool HasChanges => WifiJoined || RegistrationStored;
    }

    private bool InSoftAp => _state is GatewayState.Unprovisioned or GatewayState.KeyExpired;

    private bool OnStarted(Started started)
    {
        if (_state != GatewayState.Starting)
        {
            return false;
        }
        _resetFlag = started.ResetFlag;
        _wifiConfigured = started.WifiConfigured;
        _wifiUp = started.WifiConfigured;
        _hasRegistration = started.HasValidRegistration && !started.CorruptStateDetected;
        _keyExpiresAt = _hasRegistration ? started.KeyExpiresAt : null;
        _serviceExpiresAt = _hasRegistration ? started.ServiceExpiresAt : null;
        Arm(GatewayTimer.Heartbeat, _options.HeartbeatInterval);
        if (started.CorruptStateDetected)
        {
            Emit(new Log(LogLevel.Warning, GatewayLogEvents.CorruptState, "stored state was corrupt: treated as missing, softAP"));
            EnterSoftAp(GatewayState.Unprovisioned);
        }
        else if (!_hasRegistration || !_wifiConfigured)
        {
            // A registration without a router cannot log in: the APP provisions Wi-Fi again.
            EnterSoftAp(GatewayState.Unprovisioned);
        }
        else
        {
            BeginLogin();
        }
        return true;
    }

    /// <summary>softAP with the listener: scan first (the radio cannot scan as an AP), then the AP.</summary>
    private void EnterSoftAp(GatewayState home)
    {
        Enter(home);
        CloseSession();
        _sessionExpiresAt = null; // the station is off: the session is gone
        if (!_accessPointOn)
        {
            Emit(new ScanNetworks());
            AccessPoint(on: true);
        }
        Listener(on: true);
        _reconnectAttempt = 0;
        _badCredentialFailures = 0;
    }

    private void OpenProvisioning()
    {
        if (_provisioning is null)
        {
            _provisioning = new ProvisioningAttempt(InSoftAp ? _state : GatewayState.Unprovisioned, _resetFlag);
            Arm(GatewayTimer.FailSafe, _options.FailSafeTimeout);
        }
    }

    private void CloseProvisioning()
    {
        _provisioning = null;
        Disarm(GatewayTimer.FailSafe);
    }

    private bool OnAppSessionStarted()
    {
        if (!InSoftAp)
        {
            // Provisioning: a second APP gets "busy" from the listener. Joining/awaiting: the APP is
            // coming back on the router LAN, nothing changes.
            return false;
        }
        OpenProvisioning();
        Enter(GatewayState.Provisioning);
        return true;
    }

    private bool OnAppSessionEnded()
    {
        if (_state != GatewayState.Provisioning || _provisioning is not { } attempt)
        {
            // While joining or awaiting registration the connection drops with the radio's change of network.
            return false;
        }
        if (!attempt.HasChanges)
        {
            CloseProvisioning();
        }
        EnterSoftAp(attempt.Home);
        return true;
    }

    private bool OnWifiCredentials(WifiCredentialsReceived credentials)
    {
        if (!InSoftAp && _state is not (GatewayState.Provisioning or GatewayState.AwaitingRegistration))
        {
            return false;
        }
        OpenProvisioning();
        Enter(GatewayState.JoiningWifi);
        AccessPoint(on: false);
        Emit(new JoinWifi(credentials.Ssid, credentials.Password, _options.WifiJoinTimeout));
        Arm(GatewayTimer.WifiJoin, _options.WifiJoinTimeout + _options.CompletionGrace);
        return true;
    }

    private bool OnWifiJoined()
    {
        if (_state != GatewayState.JoiningWifi || _provisioning is not { } attempt)
        {
            return false;
        }
        attempt.WifiJoined = true;
        _wifiConfigured = true;
        _wifiUp = true;
        if (attempt.RegistrationStored)
        {
            BeginLogin();
        }
        else
        {
            Enter(GatewayState.AwaitingRegistration);
        }
        return true;
    }

    private bool OnWifiJoinFailed(string reason)
    {
        if (_state != GatewayState.JoiningWifi)
        {
            return false;
        }
        JoinFailed(reason);
        return true;
    }

    /// <summary>Back to the softAP so the APP can search again and retry (protocol section 5, rule 5).</summary>
    private void JoinFailed(string reason)
    {
        Emit(new Log(LogLevel.Warning, GatewayLogEvents.WifiJoinFailed, $"Wi-Fi join failed ({reason}): softAP again"));
        var home = _provisioning?.Home ?? GatewayState.Unprovisioned;
        if (_provisioning is { HasChanges: false })
        {
            CloseProvisioning();
        }
        EnterSoftAp(home);
    }

    private bool OnRegistrationStored()
    {
        if (!InSoftAp && _state is not (GatewayState.Provisioning or GatewayState.JoiningWifi or GatewayState.AwaitingRegistration))
        {
            // The listener is off in every other state: nothing could have stored one.
            return false;
        }
        OpenProvisioning();
        _provisioning!.RegistrationStored = true;
        _hasRegistration = true;
        _resetFlag = false;
        _keyExpiresAt = null;
        _serviceExpiresAt = null;
        if (_state == GatewayState.AwaitingRegistration || (_state != GatewayState.JoiningWifi && _wifiConfigured))
        {
            BeginLogin();
        }
        // Otherwise the registration waits for the Wi-Fi join (protocol section 5, rule 6: any network).
        return true;
    }

    /// <summary>The fail-safe fired: undo what this provisioning changed and offer the softAP again.</summary>
    private void RollBackProvisioning()
    {
        if (_provisioning is not { } attempt)
        {
            return;
        }
        _provisioning = null;
        Emit(new Log(
            LogLevel.Warning,
            GatewayLogEvents.ProvisioningRolledBack,
            $"provisioning did not reach Online within {_options.FailSafeTimeout}: rolled back (Wi-Fi joined: {attempt.WifiJoined}, registration stored: {attempt.RegistrationStored})"));
        var home = attempt.RegistrationStored ? GatewayState.Unprovisioned : attempt.Home;
        Enter(home);
        CloseSession();
        // Restart the listener and the AP so a stale APP session goes with the rollback.
        Listener(on: false);
        AccessPoint(on: false);
        if (attempt.WifiJoined)
        {
            Emit(new ForgetWifi());
            _wifiConfigured = false;
            _wifiUp = false;
        }
        if (attempt.RegistrationStored)
        {
            Emit(new WipeCredentials(attempt.ResetFlagBefore));
            _hasRegistration = false;
            _resetFlag = attempt.ResetFlagBefore;
            _keyExpiresAt = null;
            _serviceExpiresAt = null;
            _sessionExpiresAt = null;
        }
        EnterSoftAp(home);
    }
}
