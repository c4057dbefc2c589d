using Pi.Protocol.Crypto;

namespace Pi.Protocol.Messages;

/// <summary>
/// A sub-device starts a LAN link: plain JSON on <c>pi/v2/dev/{did}/hello</c> with a fresh random
/// nonce, after every connect.
/// </summary>
public sealed record LinkHello(byte[] Nonce) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate() => Check.Bytes(Nonce, "nonce", KeyDerivation.NonceSize, KeyDerivation.NonceSize);
}

/// <summary>
/// The gateway's answer on <c>pi/v2/dev/{did}/welcome</c>: its own fresh nonce and the key id it
/// gives the link. Both sides then derive the link key (see <see cref="KeyDerivation.DeriveLinkKey"/>).
/// </summary>
public sealed record LinkWelcome(byte[] Nonce, uint KeyId) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate() => Check.Bytes(Nonce, "nonce", KeyDerivation.NonceSize, KeyDerivation.NonceSize);
}

/// <summary>The bridge's state as a word on <c>pi/v2/bridge/state</c>.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(StrictEnumConverter<BridgeRunState>))]
public enum BridgeRunState
{
    /// <summary>The bridge is running (whether or not the cloud is reachable).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("online")]
    Online = 1,

    /// <summary>The bridge stopped (the gateway is shutting down or was reset).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("offline")]
    Offline = 2,
}

/// <summary>
/// Retained on <c>pi/v2/bridge/state</c> (plain JSON, like zigbee2mqtt's <c>bridge/state</c>): whether
/// the bridge runs, whether the cloud session is up, how many up-packets wait in the offline queue and
/// how many the full queue dropped so far.
/// </summary>
public sealed record BridgeStatus(BridgeRunState State, bool Cloud, long Queued, long Dropped) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate()
    {
        Check.Defined(State, "state");
        Check.Range(Queued, "queued", 0, long.MaxValue);
        Check.Range(Dropped, "dropped", 0, long.MaxValue);
    }
}

/// <summary>
/// Retained on <c>pi/v2/bridge/pairing</c> (plain JSON): whether new sub-devices may link now, and
/// until when.
/// </summary>
public sealed record PairingStatus(bool Open, DateTimeOffset? Until = null) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate()
    {
        if (Open != Until.HasValue)
        {
            throw Check.Invalid("until", "is required when open is true and absent when it is false");
        }
    }
}
