using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Core;

// Login, the session channel, reconnect with backoff, key expiry, Wi-Fi loss, pairing.
public sealed partial class GatewayStateMachine
{
    private void BeginLogin()
    {
        Enter(GatewayState.LoggingIn);
        CloseSession();
        // A new login replaces the session; if it fails, only another login helps (never the old session).
        _sessionExpiresAt = null;
        Listener(on: false);
        AccessPoint(on: false);
        Emit(new LogIn());
        Arm(GatewayTimer.Login, _options.LoginTimeout);
    }

    private bool OnLoginSucceeded(LoginSucceeded succeeded)
    {
        if (_state != GatewayState.LoggingIn)
        {
            return false;
        }
        _keyExpiresAt = succeeded.KeyExpiresAt;
        _sessionExpiresAt = succeeded.SessionExpiresAt;
        _serviceExpiresAt = succeeded.ServiceExpiresAt ?? _serviceExpiresAt;
        _hasRegistration = true;
        _badCredentialFailures = 0;
        CloseProvisioning();
        EnterOnline(succeeded.Now);
        _sessionReused = false;
        OpenSession();
        return true;
    }

    private bool OnLoginFailed(LoginFailureKind kind)
    {
        if (_state != GatewayState.LoggingIn)
        {
            return false;
        }
        if (kind == LoginFailureKind.BadCredentials)
        {
            _badCredentialFailures++;
        }
        switch (kind)
        {
            case LoginFailureKind.BadCredentials when _badCredentialFailures >= _options.BadCredentialsLimit:
                // Re-registered elsewhere or deleted: only a new registration helps. The registration is
                // kept (a restart tries it again); the identity always stays; the reset flag is untouched.
                Emit(new Log(
                    LogLevel.Warning,
                    GatewayLogEvents.CredentialsRejected,
                    string.Create(CultureInfo.InvariantCulture, $"credentials rejected {_badCredentialFailures} times in a row: softAP for re-registration")));
                EnterSoftAp(GatewayState.KeyExpired);
                break;
            case LoginFailureKind.KeyExpired:
                Emit(new Log(LogLevel.Warning, GatewayLogEvents.LoginFailed, "key pair expired: softAP for re-registration"));
                EnterSoftAp(GatewayState.KeyExpired);
                break;
            case LoginFailureKind.ServiceExpired:
                Emit(new Log(LogLevel.Warning, GatewayLogEvents.LoginFailed, $"service expired: retrying every {_options.ServiceRetryInterval}"));
                Enter(GatewayState.ServiceExpired);
                Arm(GatewayTimer.ServiceRetry, _options.ServiceRetryInterval);
                break;
            default:
                // Transient, a bad_credentials below the limit (a cloud restored from backup heals), or a kind this build does not know.
                Emit(new Log(LogLevel.Information, GatewayLogEvents.LoginFailed, $"login failed ({kind})"));
                ScheduleReconnect();
                break;
        }
        return true;
    }

    /// <summary>Online or KeyExpiring by the key's expiry, with the KeyExpiry timer at the next boundary.</summary>
    private void EnterOnline(DateTimeOffset now)
    {
        if (_keyExpiresAt is not { } expires)
        {
            Enter(GatewayState.Online);
            Disarm(GatewayTimer.KeyExpiry);
            return;
        }
        var untilExpiry = expires - now;
        if (untilExpiry <= TimeSpan.Zero)
        {
            // The cloud still accepts a key our clock calls expired: it decides; look again in a day.
            Enter(GatewayState.KeyExpiring);
            Arm(GatewayTimer.KeyExpiry, GatewayStateMachineOptions.MaxTimerDuration);
        }
        else if (untilExpiry <= _options.KeyExpiryWarning)
        {
            Enter(GatewayState.KeyExpiring);
            Arm(GatewayTimer.KeyExpiry, untilExpiry);
        }
        else
        {
            Enter(GatewayState.Online);
            Arm(GatewayTimer.KeyExpiry, untilExpiry - _options.KeyExpiryWarning);
        }
    }

    private void OnKeyExpiryTimer(DateTimeOffset now)
    {
        if (!IsOnline)
        {
            return;
        }
        if (_keyExpiresAt is { } expires && now >= expires)
        {
            // The expiry moment by our clock: log in again and let the cloud decide (key_expired, or a new expiry).
            Emit(new Log(LogLevel.Information, GatewayLogEvents.KeyExpiry, "key pair expiry reached: logging in again"));
            BeginLogin();
            return;
        }
        EnterOnline(now);
    }

    private bool OnKeyRotated(KeyRotated rotated)
    {
        if (!IsOnline)
        {
            // A rotation only arrives on a live session; a late one is picked up by the next login's expiry.
            return false;
        }
        _keyExpiresAt = rotated.KeyExpiresAt;
        EnterOnline(rotated.Now);
        return true;
    }

    private bool OnSessionConnected(DateTimeOffset now)
    {
        if (!_sessionOpen || _sessionConnected || !(IsOnline || _state == GatewayState.Reconnecting))
        {
            return false;
        }
        if (_state == GatewayState.Reconnecting)
        {
            // A reconnect with the last login's session: Online only now that the cloud took it.
            Disarm(GatewayTimer.Reconnect);
            EnterOnline(now);
        }
        _sessionConnected = true;
        _reconnectAttempt = 0;
        return true;
    }

    private bool OnSessionLost(bool refused)
    {
        if (_state == GatewayState.Resetting && _resetPhase == ResetPhase.Unbinding)
        {
            // No session, no answer: wipe now rather than wait out the bound.
            return OnUnbindFinished(refused ? "session refused during resetUnbind" : "session lost during resetUnbind");
        }
        if (!IsOnline && !(_state == GatewayState.Reconnecting && _sessionOpen))
        {
            return false;
        }
        if (refused)
        {
            // A refused session token means log in again, not just reconnect.
            _sessionExpiresAt = null;
            if (_sessionReused)
            {
                // The cloud answered (it is up) but no longer knows the last login's session, as after
                // its restart: log in at once instead of waiting out a backoff first. A session a
                // login has just made that is refused again waits the backoff (no tight loop).
                Emit(new Log(LogLevel.Information, GatewayLogEvents.LoginFailed, "the cloud refused the last login's session: logging in again"));
                BeginLogin();
                return true;
            }
        }
        ScheduleReconnect();
        return true;
    }

    /// <summary>
    /// Reconnecting: close the session and wait the backoff delay. With Wi-Fi down the wait is for
    /// <see cref="WifiRestored"/>, with a try at the backoff cap anyway in case that is never reported.
    /// </summary>
    private void ScheduleReconnect()
    {
        Enter(GatewayState.Reconnecting);
        CloseSession();
        if (!_wifiUp)
        {
            Arm(GatewayTimer.Reconnect, _options.BackoffMax);
            return;
        }
        var delay = ReconnectBackoff.Delay(_reconnectAttempt, _options.BackoffInitial, _options.BackoffMax, _options.BackoffJitter, _jitter());
        _reconnectAttempt = Math.Min(_reconnectAttempt + 1, 62);
        Emit(new Log(LogLevel.Information, GatewayLogEvents.ReconnectScheduled, string.Create(CultureInfo.InvariantCulture, $"next try in {delay} (attempt {_reconnectAttempt})")));
        Arm(GatewayTimer.Reconnect, delay);
    }

    /// <summary>Reconnect with the session of the last login while it is still good, else log in.</summary>
    private void TryReconnect(DateTimeOffset now)
    {
        if (_sessionExpiresAt is { } sessionExpires && sessionExpires - now > _options.LoginTimeout)
        {
            // Still Reconnecting (state and LEDs) until the cloud takes the session: SessionConnected
            // enters Online; no answer within LoginTimeout backs off again.
            _sessionReused = true;
            OpenSession();
            Arm(GatewayTimer.Reconnect, _options.LoginTimeout);
        }
        else
        {
            BeginLogin();
        }
    }

    private bool OnWifiLost()
    {
        if (!_wifiUp)
        {
            return false;
        }
        switch (_state)
        {
            case GatewayState.Online or GatewayState.KeyExpiring:
                _wifiUp = false;
                ScheduleReconnect();
                return true;
            case GatewayState.Reconnecting:
                _wifiUp = false;
                Arm(GatewayTimer.Reconnect, _options.BackoffMax);
                return true;
            case GatewayState.AwaitingRegistration or GatewayState.LoggingIn or GatewayState.ServiceExpired:
                // Noted: a login in flight fails on its own (or its guard fires) and then waits for Wi-Fi.
                _wifiUp = false;
                return true;
            default:
                // softAP, joining, resetting: the station is not in use.
                return false;
        }
    }

    private bool OnWifiRestored(DateTimeOffset now)
    {
        if (_wifiUp)
        {
            return false;
        }
        switch (_state)
        {
            case GatewayState.Reconnecting:
                _wifiUp = true;
                TryReconnect(now);
                return true;
            case GatewayState.AwaitingRegistration or GatewayState.LoggingIn or GatewayState.ServiceExpired:
                _wifiUp = true;
                return true;
            default:
                return false;
        }
    }

    private bool OnResetShortPress()
    {
        if (!IsOnline)
        {
            Emit(new Log(LogLevel.Information, GatewayLogEvents.ShortPressIgnored, $"short press ignored in {_state}: pairing needs Online"));
            return false;
        }
        Emit(new OpenPairingWindow(_options.PairingWindow));
        return true;
    }

    private bool OnPairingRequested(TimeSpan? requested)
    {
        if (!IsOnline)
        {
            return false;
        }
        var duration = requested is not { } asked || asked <= TimeSpan.Zero ? _options.PairingWindow
            : asked > _options.MaxPairingWindow ? _options.MaxPairingWindow
            : asked;
        Emit(new OpenPairingWindow(duration));
        return true;
    }
}
