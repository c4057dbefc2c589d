using System.Net.NetworkInformation;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi;

/// <summary>
/// The gateway's Wi-Fi, as small as the state machine needs: scan (only while not an access
/// point: the radio cannot scan in AP mode), run the softAP, join a router as a station, and put
/// back what it changed. Implementations: hostapd + dnsmasq with wpa_supplicant (Raspberry Pi OS),
/// NetworkManager (nmcli, Bookworm), and a simulated radio for development and CI.
/// </summary>
public interface IWifiRadio
{
    /// <summary>The interface's MAC address (the device's identity uses it).</summary>
    PhysicalAddress MacAddress { get; }

    /// <summary>Scans for networks (station mode only), strongest first.</summary>
    /// <exception cref="WifiException">The radio failed or is in AP mode.</exception>
    Task<IReadOnlyList<SsidEntry>> ScanAsync(CancellationToken cancellationToken);

    /// <summary>Starts the softAP (idempotent); the radio leaves station mode.</summary>
    Task StartAccessPointAsync(AccessPointSettings settings, CancellationToken cancellationToken);

    /// <summary>Stops the softAP (idempotent).</summary>
    Task StopAccessPointAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Joins a router as a station (stopping the softAP first) and waits, bounded by
    /// <paramref name="timeout"/>, for an address. Never throws for the expected failures: they are
    /// the result.
    /// </summary>
    Task<JoinResult> JoinAsync(string ssid, string password, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Forgets the network joined by <see cref="JoinAsync"/> (rollback, factory reset).</summary>
    Task ForgetAsync(CancellationToken cancellationToken);

    /// <summary>The station's state now (for reconnect decisions and the state command).</summary>
    Task<StationStatus> GetStationStatusAsync(CancellationToken cancellationToken);
}

/// <summary>The softAP: SSID (e.g. <c>pi_gateway_A1B2C3</c>), its address and DHCP range, channel.</summary>
public sealed record AccessPointSettings(
    string Ssid,
    string Address = "192.168.4.1",
    int PrefixLength = 24,
    string DhcpRangeStart = "192.168.4.10",
    string DhcpRangeEnd = "192.168.4.100",
    int Channel = 6,
    string CountryCode = "US");

/// <summary>The outcome of joining a router.</summary>
public sealed record JoinResult(bool Joined, WifiFailure? Failure = null, string? Ip = null)
{
    /// <summary>Joined with an address.</summary>
    public static JoinResult Success(string ip) => new(true, null, ip);

    /// <summary>Not joined, and why.</summary>
    public static JoinResult Failed(WifiFailure failure) => new(false, failure);
}

/// <summary>What the station is doing.</summary>
public sealed record StationStatus(bool Connected, string? Ssid, string? Ip, int? Signal);

/// <summary>The radio or a tool driving it failed (not an expected join failure).</summary>
public sealed class WifiException : Exception
{
    public WifiException()
    {
    }

    public WifiException(string message)
        : base(message)
    {
    }

    public WifiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
