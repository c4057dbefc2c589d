using System.Net;
using Pi.Protocol.Framing;

namespace Pi.App.Provisioning;

/// <summary>
/// Where and how long the APP searches (docs/protocol.md section 5). Defaults are the protocol's:
/// broadcast to 255.255.255.255:10071 (port1), answers on 10072 (port2).
/// </summary>
/// <remarks>
/// 255.255.255.255 leaves by the interface of the default route; on a phone or laptop that has
/// another network too, search with the softAP subnet's broadcast (for example 192.168.4.255) or
/// tie the socket to the softAP's interface with <see cref="InterfaceName"/>.
/// </remarks>
public sealed class SearchOptions
{
    /// <summary>Where searchDevice goes: a broadcast address (or a unicast one) and port1.</summary>
    public IPEndPoint SearchEndPoint { get; set; } = new(IPAddress.Broadcast, ProvisioningDefaults.SearchPort);

    /// <summary>
    /// port2, where deviceInfo arrives. The socket is bound to it with SO_REUSEADDR, so several APPs
    /// on one host can listen. 0 binds any free port (only useful with a responder that answers to
    /// the search's source port; the gateway answers to its configured port2).
    /// </summary>
    public int AnswerPort { get; set; } = ProvisioningDefaults.AnswerPort;

    /// <summary>
    /// Local IPv4 address of the answer socket. Default: the wildcard address, the only one on which
    /// Linux delivers broadcasts.
    /// </summary>
    public IPAddress LocalAddress { get; set; } = IPAddress.Any;

    /// <summary>Optional network interface (for example <c>wlan0</c>) tied with SO_BINDTODEVICE (Linux only).</summary>
    public string? InterfaceName { get; set; }

    /// <summary>How long the whole search waits for an answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many times the search is sent again (each time with the next counter) if nothing answered,
    /// spread evenly over <see cref="Timeout"/>. 0 sends it once.
    /// </summary>
    public int Retries { get; set; } = 4;

    /// <summary>
    /// Optional nonce for the binding hash (16 to 32 bytes, section 3.6): the one the cloud gave the
    /// APP at login. The gateway answers with <c>hash</c> computed over it. Empty (the default): none.
    /// </summary>
    public ReadOnlyMemory<byte> Random { get; set; }

    /// <summary>How long <see cref="ProvisioningClient.ConnectAsync"/> may take to open TCP.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a session request waits for its reply. A Wi-Fi join takes a while, so this is
    /// generous; the gateway itself drops a peer silent for 30 s only while it waits for the APP.
    /// </summary>
    public TimeSpan ReplyTimeout { get; set; } = TimeSpan.FromSeconds(90);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(SearchEndPoint);
        ArgumentNullException.ThrowIfNull(LocalAddress);
        ArgumentOutOfRangeException.ThrowIfNegative(AnswerPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AnswerPort, 65535);
        ArgumentOutOfRangeException.ThrowIfNegative(Retries);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReplyTimeout, TimeSpan.Zero);
        if (!Random.IsEmpty && Random.Length is < 16 or > 32)
        {
            throw new ArgumentException("the search's random is 16 to 32 bytes", nameof(Random));
        }
    }
}
