namespace Pi.Cloud.Broker;

/// <summary>
/// The seam between the cloud's session channel and the MQTT broker the gateways connect to.
/// Two implementations: the embedded MQTTnet broker (small installations) and an MQTT client of
/// an external broker (Mosquitto, EMQX, VerneMQ) that takes up-traffic through the MQTT 5 shared
/// subscription <c>$share/pi-cloud/pi/v2/gw/+/up</c>. The session logic above it is the same.
/// </summary>
public interface IGatewayBroker
{
    /// <summary>
    /// A gateway logged in: from now on it may connect with username = tid and password = the
    /// session token. An external broker is told (its client entry and ACL are created or
    /// replaced); the embedded one asks <see cref="IGatewaySessionAuthority"/> at connect time.
    /// Any connection the gateway held under an older session is closed.
    /// </summary>
    Task AdmitAsync(string tid, string sessionToken, CancellationToken cancellationToken);

    /// <summary>
    /// The gateway's session ended (logout, a newer login, expiry, reset-unbind): its credentials
    /// stop working and a connection it holds is closed.
    /// </summary>
    Task EvictAsync(string tid, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes one sealed envelope to <c>pi/v2/gw/{tid}/down</c> (QoS 1). False when the broker
    /// knows the gateway is not connected and nothing was sent. Must not do work per connected
    /// gateway: one command costs the same with ten gateways or ten thousand.
    /// </summary>
    ValueTask<bool> SendDownAsync(string tid, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken);
}

/// <summary>
/// What a broker delivers upwards: implemented by the session channel, called by the broker.
/// </summary>
public interface IGatewayTraffic
{
    /// <summary>
    /// One payload a gateway published to its own up topic (the broker has checked the topic;
    /// the payload is hostile until opened).
    /// </summary>
    ValueTask OnUpAsync(string tid, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>The gateway's connection state changed (connect/disconnect or its availability topic).</summary>
    ValueTask OnPresenceAsync(string tid, bool online, CancellationToken cancellationToken);
}

/// <summary>
/// Answers the embedded broker's question at connect time: does this tid hold a live session
/// whose token this is? Implemented by the session registry.
/// </summary>
public interface IGatewaySessionAuthority
{
    /// <summary>True when <paramref name="token"/> is the live session token of <paramref name="tid"/>.</summary>
    bool IsValidSessionToken(string tid, ReadOnlySpan<byte> token);
}

/// <summary>Why a broker refused a gateway's connect, publish or subscribe (metric label values).</summary>
public static class BrokerRefusals
{
    /// <summary>Wrong or expired session credentials.</summary>
    public const string BadCredentials = "bad_credentials";

    /// <summary>A publish to a topic that is not the gateway's own up or availability topic.</summary>
    public const string ForeignPublish = "foreign_publish";

    /// <summary>A subscription to a topic that is not the gateway's own down topic.</summary>
    public const string ForeignSubscribe = "foreign_subscribe";

    /// <summary>The broker holds as many gateway connections as it is configured for.</summary>
    public const string ServerBusy = "server_busy";

    /// <summary>The client id was not the tid.</summary>
    public const string BadClientId = "bad_client_id";
}
