using Pi.Protocol.Crypto;

namespace Pi.Protocol.Messages;

/// <summary>The gateway asks the cloud for a login challenge (plain JSON over HTTPS).</summary>
public sealed record LoginChallengeRequest(string Tid) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate() => Check.Id(Tid, "tid");
}

/// <summary>
/// A single-use random challenge for one login of <see cref="Tid"/>. Both sides derive that login's
/// key from the accesskey and this challenge (see <see cref="KeyDerivation.DeriveLoginKey"/>).
/// </summary>
public sealed record LoginChallenge(string Tid, byte[] Challenge, DateTimeOffset ExpiresAt) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate()
    {
        Check.Id(Tid, "tid");
        Check.Bytes(Challenge, "challenge", KeyDerivation.NonceSize, KeyDerivation.NonceSize);
    }
}

/// <summary>S200/H130: account and password, sealed under the login key (from the accesskey).</summary>
public sealed record LoginRequest(string Tid, SecretString Password, byte[] Challenge) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate()
    {
        Check.Id(Tid, "tid");
        Check.Secret(Password, "password", 16, 128);
        Check.Bytes(Challenge, "challenge", KeyDerivation.NonceSize, KeyDerivation.NonceSize);
    }
}

/// <summary>
/// S401/H150: login succeeded. <see cref="SessionKey"/> is new for this login and seals every packet
/// of the session; <see cref="SessionKeyId"/> goes in every envelope header;
/// <see cref="SessionToken"/> is the MQTT password for the session channel.
/// </summary>
public sealed record LoginReply(
    uint SessionKeyId,
    SymmetricKey SessionKey,
    SecretString SessionToken,
    DateTimeOffset SessionExpiresAt,
    DateTimeOffset KeyExpiresAt,
    DateTimeOffset ServiceExpiresAt,
    string? MqttUrl = null) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate()
    {
        Check.Key(SessionKey, "sessionKey");
        Check.Secret(SessionToken, "sessionToken", 16, 256);
        Check.OptionalMqttUrl(MqttUrl, "mqttUrl");
    }
}
