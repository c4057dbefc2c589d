namespace Pi.Cloud.Store;

/// <summary>An APP user.</summary>
public sealed record UserRecord(long Id, string Email, string PasswordHash, DateTimeOffset CreatedAt);

/// <summary>
/// One APP login: the SHA-256 of its bearer token (the token itself is never stored), the random
/// nonce the cloud gave this login for binding (seed embodiment 2), and when it expires.
/// </summary>
public sealed record AppSessionRecord(byte[] TokenHash, long UserId, byte[] Nonce, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// What the factory (or the first registration) says about a device: its identifiers and the
/// verification code the binding hash is computed over. <paramref name="Mac"/> is lower-case
/// colon-separated; <paramref name="Source"/> is "import" or "first-registration".
/// </summary>
public sealed record FactoryRecord(string Mac, string? Uuid, string? Sn, string VerificationCode, string Source, DateTimeOffset CreatedAt);

/// <summary>
/// A registered gateway. <paramref name="PasswordHash"/> is a salted slow hash of its password;
/// <paramref name="DeviceInfoJson"/> is what the APP reported about it (product, firmware).
/// </summary>
public sealed record GatewayRecord(
    string Tid,
    string Mac,
    string Uuid,
    string Sn,
    string? DeviceInfoJson,
    string PasswordHash,
    DateTimeOffset RegisteredAt,
    DateTimeOffset ServiceExpiresAt,
    DateTimeOffset? LastSeenAt);

/// <summary>The life of a key pair.</summary>
public enum KeyPairState
{
    /// <summary>In use.</summary>
    Active = 1,

    /// <summary>Issued by a rotation, not yet acknowledged by the device; the active pair still works.</summary>
    Pending = 2,

    /// <summary>Replaced or revoked; never accepted again.</summary>
    Retired = 3,
}

/// <summary>
/// A device's key pair: accesskey (WAN) and localkey (LAN), 16 bytes each, with the id that goes in
/// envelope headers. Key ids are unique per device.
/// </summary>
public sealed record KeyPairRecord(
    string DeviceId,
    uint KeyId,
    byte[] AccessKey,
    byte[] LocalKey,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    KeyPairState State);

/// <summary>Where a sub-device is in its life as the gateway knows it.</summary>
public enum SubDeviceState
{
    /// <summary>Registered; the gateway has not acknowledged subDeviceAdded yet.</summary>
    Added = 1,

    /// <summary>The gateway acknowledged it.</summary>
    Active = 2,

    /// <summary>Removed by its owner; the gateway has not acknowledged subDeviceRemoved yet.</summary>
    Removing = 3,
}

/// <summary>A sub-device under a gateway.</summary>
public sealed record SubDeviceRecord(string Did, string Tid, string? Kind, string? Name, DateTimeOffset RegisteredAt, SubDeviceState State);

/// <summary>
/// What one bridged packet says about a sub-device of <c>tid</c>: it was heard at
/// <paramref name="At"/>; <paramref name="TelemetryJson"/> (JSON text, may be null for telemetry
/// without args) is its telemetry when <paramref name="IsTelemetry"/>; <paramref name="Online"/> is
/// its availability when the packet was an availability change.
/// </summary>
public sealed record SubDeviceActivity(string Did, DateTimeOffset At, bool IsTelemetry = false, string? TelemetryJson = null, bool? Online = null);

/// <summary>
/// One item of a relay as the store sees it: its seq, and what to record (null for an item that is
/// refused, such as a foreign did, but still moves the cursor).
/// </summary>
public sealed record RelayEntry(long Seq, SubDeviceActivity? Activity);

/// <summary>
/// What <see cref="ICloudStore.ApplyRelayAsync"/> did: the first <paramref name="Skipped"/> entries
/// were at or below the cursor (duplicates) and the rest were recorded; <paramref name="NewStream"/>
/// when the relay's stream replaced another (or was the first); <paramref name="DroppedTotal"/> is
/// the gateway's running total of dropped up-packets afterwards. <paramref name="OutOfOrder"/>: the
/// relay's <c>after</c> was above the cursor (an earlier relay was not handled), so nothing was.
/// </summary>
/// <paramref name="Lost"/>: how many seqs this relay skipped over (gaps before and between its new
/// items): up-packets the gateway's full queue dropped, counted exactly however often a relay is sent.
public sealed record RelayApplied(int Skipped, bool NewStream, long DroppedTotal, bool OutOfOrder = false, long Lost = 0);

/// <summary>The relay cursor of a gateway: its queue's stream, the highest seq handled, and the dropped total.</summary>
public sealed record RelayCursorRecord(string Tid, string Stream, long Seq, long DroppedTotal, DateTimeOffset UpdatedAt);

/// <summary>What the bridge last said about a sub-device (null members: never heard).</summary>
public sealed record SubDeviceStatusRecord(
    string Did,
    bool? Online,
    DateTimeOffset? AvailabilityAt,
    DateTimeOffset? LastSeenAt,
    string? TelemetryJson,
    DateTimeOffset? TelemetryAt);
