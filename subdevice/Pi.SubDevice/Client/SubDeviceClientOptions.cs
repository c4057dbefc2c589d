using Pi.Protocol;
using Pi.Protocol.Crypto;

namespace Pi.SubDevice.Client;

/// <summary>
/// What a sub-device needs to connect: its did and localkey (delivered at onboarding,
/// docs/protocol.md section 6.1) and the gateway's broker. The timings have defaults that suit a
/// real LAN; tests shorten them.
/// </summary>
public sealed class SubDeviceClientOptions
{
    /// <summary>Creates options for one sub-device.</summary>
    /// <exception cref="ArgumentException">An invalid did.</exception>
    public SubDeviceClientOptions(string did, SymmetricKey localKey, BrokerEndpoint broker)
    {
        Identifiers.Require(did, "did");
        ArgumentNullException.ThrowIfNull(localKey);
        ArgumentNullException.ThrowIfNull(broker);
        Did = did;
        LocalKey = localKey;
        Broker = broker;
    }

    /// <summary>The sub-device's account: MQTT client id, username and the did of every envelope.</summary>
    public string Did { get; }

    /// <summary>The long-lived LAN key. Feeds only the LAN password and the per-connection link keys.</summary>
    public SymmetricKey LocalKey { get; }

    /// <summary>The gateway's local broker.</summary>
    public BrokerEndpoint Broker { get; }

    /// <summary>How long to wait for the gateway's linkWelcome before reconnecting (default 10 s).</summary>
    public TimeSpan WelcomeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>MQTT connect timeout (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>MQTT keep-alive (default 30 s): how soon a dead link is noticed, and the will published.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First reconnect delay (default 1 s); it doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest reconnect delay (default 60 s).</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Delay after the broker refused the credentials (default 5 min): a refusal will not fix itself
    /// soon (unknown did, revoked, pairing window closed), so the gateway is not pestered.
    /// </summary>
    public TimeSpan RefusedRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Delay after a <c>NotAuthorized</c> refusal (default 15 s) during the first
    /// <see cref="PairingRetryPeriod"/> of such refusals in a row. The gateway admits a sub-device that
    /// never linked only while its pairing window is open (a short press or the APP, 120 s by
    /// default), so a device waiting to be paired must try often enough to meet the window; after
    /// the period it falls back to <see cref="RefusedRetryDelay"/> (a revoked device stops pestering).
    /// </summary>
    public TimeSpan PairingRetryDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long <c>NotAuthorized</c> refusals in a row are retried at <see cref="PairingRetryDelay"/> (default 10 min).</summary>
    public TimeSpan PairingRetryPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Commands waiting to be handled; more are dropped and counted (default 64).</summary>
    public int CommandQueueLimit { get; init; } = 64;

    /// <summary>Randomness for backoff jitter (default: shared).</summary>
    public Random? Jitter { get; init; }
}
