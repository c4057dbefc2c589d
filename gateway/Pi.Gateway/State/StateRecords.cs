using Pi.Protocol.Crypto;

namespace Pi.Gateway.State;

/// <summary>
/// Who this gateway is, made once on first start and kept across factory resets: uuid, serial
/// number (the Pi's serial where present), the Wi-Fi interface's MAC, the verification code (the
/// binding hash is computed over it) and the setup code printed on the label (it authenticates the
/// provisioning key agreement).
/// </summary>
public sealed record GatewayIdentity(
    string Uuid,
    string Sn,
    string Mac,
    SecretString VerificationCode,
    SetupCode SetupCode,
    DateTimeOffset CreatedAt);

/// <summary>
/// What the cloud issued (registrationInfo): the account (tid, password) and the key pair
/// (accesskey, localkey) with its id and expiries, and the cloud that issued them. During a key
/// rotation the new pair waits in <see cref="PendingKeys"/> until the cloud has been told.
/// </summary>
public sealed record GatewayRegistration(
    string Tid,
    SecretString Password,
    SymmetricKey AccessKey,
    SymmetricKey LocalKey,
    uint KeyId,
    DateTimeOffset KeyExpiresAt,
    DateTimeOffset ServiceExpiresAt,
    string CloudUrl,
    DateTimeOffset RegisteredAt,
    RotatedKeys? PendingKeys = null);

/// <summary>A key pair pushed by the cloud's keyRotation, not yet acknowledged.</summary>
public sealed record RotatedKeys(uint KeyId, SymmetricKey AccessKey, SymmetricKey LocalKey, DateTimeOffset KeyExpiresAt);

/// <summary>A sub-device's credentials, as the cloud's subDeviceAdded delivered them.</summary>
public sealed record SubDeviceCredentials(
    string Did,
    SymmetricKey AccessKey,
    SymmetricKey LocalKey,
    uint KeyId,
    DateTimeOffset KeyExpiresAt,
    string? Kind);

/// <summary>What reading one state file found.</summary>
public enum StateFileStatus
{
    /// <summary>No such file: the state was never written (or was wiped).</summary>
    Missing = 1,

    /// <summary>Read and valid.</summary>
    Loaded = 2,

    /// <summary>Present but unreadable, half-written or invalid: treated as missing, and logged once.</summary>
    Corrupt = 3,
}

/// <summary>The result of loading one state file.</summary>
public sealed record StateLoad<T>(StateFileStatus Status, T? Value, string? Problem = null) where T : class;
