using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Hostapd;

/// <summary>
/// Decides how a wpa_supplicant join went from what can be seen of it: <c>wpa_cli status</c>
/// snapshots, <c>wpa_cli list_networks</c> flags and event lines (from wpa_supplicant's log).
/// Pure: the radio feeds it, tests feed it fixtures.
/// <list type="bullet">
/// <item>A WRONG_KEY event, a failed 4-way handshake, or the network disabled for a while after
/// the handshake (or an SAE exchange) started: <see cref="WifiFailure.WrongPassword"/>.</item>
/// <item>wpa_supplicant repeatedly finds no configured network in its scans and never got as far
/// as associating: <see cref="WifiFailure.NetworkNotFound"/>.</item>
/// <item>The time is up: <see cref="WifiFailure.NoIpAddress"/> if it got to COMPLETED, else
/// <see cref="WifiFailure.Timeout"/>.</item>
/// </list>
/// </summary>
public sealed class WpaJoinObserver
{
    /// <summary>How many "network not found" scans, without any association, mean the network is gone.</summary>
    public const int NotFoundScans = 3;

    private readonly bool _sae;
    private string? _lastState;
    private bool _authenticated;
    private bool _handshakeStarted;
    private bool _temporarilyDisabled;
    private int _notFound;
    private WifiFailure? _failure;

    /// <param name="security">What the scan said about the network (SAE fails before any 4-way handshake).</param>
    public WpaJoinObserver(WifiSecurity security)
    {
        _sae = security == WifiSecurity.Wpa3Sae;
    }

    /// <summary>wpa_supplicant reached COMPLETED (associated, keys installed).</summary>
    public bool Completed { get; private set; }

    /// <summary>A decisive failure, as soon as there is one.</summary>
    public WifiFailure? Failure => Completed ? null : _failure;

    /// <summary>The failure when the time runs out without an address.</summary>
    public WifiFailure TimedOutFailure =>
        Completed ? WifiFailure.NoIpAddress
        : _failure ?? (_temporarilyDisabled && (_handshakeStarted || _sae) ? WifiFailure.WrongPassword : WifiFailure.Timeout);

    /// <summary>Takes a <c>wpa_cli status</c> snapshot.</summary>
    public void Observe(WpaStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var state = status.WpaState;
        if (state is "ASSOCIATING" or "ASSOCIATED" or "AUTHENTICATING")
        {
            _authenticated = true;
        }
        if (state is "4WAY_HANDSHAKE" or "GROUP_HANDSHAKE")
        {
            _authenticated = true;
            _handshakeStarted = true;
        }
        // Once COMPLETED, losing the link again before an address still counts as associated.
        Completed |= status.IsCompleted;
        _lastState = state;
    }

    /// <summary>Takes <c>wpa_cli list_networks</c>: a TEMP-DISABLED network after a handshake or SAE attempt is a wrong key.</summary>
    public void Observe(IReadOnlyList<WpaNetwork> networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        if (Completed || !networks.Any(n => n.TemporarilyDisabled))
        {
            return;
        }
        _temporarilyDisabled = true;
        if (_handshakeStarted || (_sae && _authenticated))
        {
            _failure ??= WifiFailure.WrongPassword;
        }
    }

    /// <summary>Takes an event line.</summary>
    public void Observe(WpaEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e.Kind)
        {
            case WpaEventKind.WrongKey:
                _failure ??= WifiFailure.WrongPassword;
                break;
            case WpaEventKind.TemporarilyDisabled:
                _temporarilyDisabled = true;
                // SAE reports a refused password as an authentication failure.
                if (_sae && e.Reason is "AUTH_FAILED")
                {
                    _failure ??= WifiFailure.WrongPassword;
                }
                break;
            case WpaEventKind.NetworkNotFound:
                if (!_authenticated && ++_notFound >= NotFoundScans)
                {
                    _failure ??= WifiFailure.NetworkNotFound;
                }
                break;
            case WpaEventKind.Connected:
                Completed = true;
                break;
            case WpaEventKind.Rejected:
            case WpaEventKind.Disconnected:
                _authenticated = true;
                break;
            default:
                break;
        }
    }

    /// <summary>The last wpa_state seen (for logs).</summary>
    public string? LastState => _lastState;
}
