namespace Pi.Cloud.Store;

/// <summary>
/// Everything the cloud keeps. One interface, two engines: a SQLite file (the embedded default)
/// and PostgreSQL (selected by connection string). Every method is one transaction: it either
/// changes what it says or nothing. Timestamps are stored with millisecond precision (UTC).
/// A change the stored data or the schema's rules refuse (a duplicate id, an unknown reference,
/// an invalid value) throws <see cref="StoreConflictException"/> and writes nothing.
/// </summary>
public interface ICloudStore
{
    /// <summary>Creates the schema or brings it to the current version. Idempotent.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>A cheap query for health checks.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    // ---- APP accounts -------------------------------------------------------------------------

    /// <summary>Adds a user; null when the (case-insensitive) email is taken.</summary>
    Task<UserRecord?> CreateUserAsync(string email, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Finds a user by email, case-insensitively.</summary>
    Task<UserRecord?> FindUserByEmailAsync(string email, CancellationToken cancellationToken);

    /// <summary>Stores an APP login (bearer token hash, nonce, expiry).</summary>
    Task CreateAppSessionAsync(AppSessionRecord session, CancellationToken cancellationToken);

    /// <summary>Finds an APP login by the SHA-256 of its bearer token, expired or not.</summary>
    Task<AppSessionRecord?> FindAppSessionAsync(byte[] tokenHash, CancellationToken cancellationToken);

    /// <summary>Ends an APP login. True when it existed.</summary>
    Task<bool> DeleteAppSessionAsync(byte[] tokenHash, CancellationToken cancellationToken);

    /// <summary>Deletes APP logins that expired before <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredAppSessionsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    // ---- factory records (verification codes) -------------------------------------------------

    /// <summary>
    /// Inserts or replaces factory records by MAC, all or none. Returns (inserted, updated).
    /// A record with a MAC not in lower-case colon-separated form, an empty verification code or
    /// an unknown source, or a batch naming one MAC twice, throws <see cref="StoreConflictException"/>.
    /// </summary>
    Task<(int Inserted, int Updated)> ImportFactoryRecordsAsync(IReadOnlyList<FactoryRecord> records, CancellationToken cancellationToken);

    /// <summary>The factory record of a MAC (lower-case, colon-separated), if any.</summary>
    Task<FactoryRecord?> FindFactoryRecordAsync(string mac, CancellationToken cancellationToken);

    // ---- gateways and their keys ----------------------------------------------------------------

    /// <summary>The gateway with this tid, if any.</summary>
    Task<GatewayRecord?> FindGatewayAsync(string tid, CancellationToken cancellationToken);

    /// <summary>The gateway registered for this MAC, if any.</summary>
    Task<GatewayRecord?> FindGatewayByMacAsync(string mac, CancellationToken cancellationToken);

    /// <summary>
    /// Registers a gateway or re-registers a known one (same tid), in one transaction: the gateway
    /// row is inserted or updated with <paramref name="gateway"/> as given (a re-registration keeps
    /// RegisteredAt and ServiceExpiresAt when the caller passes the stored values; the owner binding
    /// is never touched), every key pair it had is retired, and <paramref name="keys"/> becomes its
    /// only active pair (stored as Active whatever its State). When <paramref name="factoryRecord"/>
    /// is given (trust on first registration), it is stored too, but never replaces an existing one.
    /// A MAC registered under another tid, a key id the gateway already used, or a tid that is a
    /// sub-device's did throws <see cref="StoreConflictException"/>.
    /// </summary>
    Task RegisterGatewayAsync(GatewayRecord gateway, KeyPairRecord keys, FactoryRecord? factoryRecord, CancellationToken cancellationToken);

    /// <summary>The key pair of a device (gateway tid or sub-device did) with this key id, any state.</summary>
    Task<KeyPairRecord?> FindKeyPairAsync(string deviceId, uint keyId, CancellationToken cancellationToken);

    /// <summary>The device's key pairs that are active or pending (not retired), newest first.</summary>
    Task<IReadOnlyList<KeyPairRecord>> GetLiveKeyPairsAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a pending key pair (a rotation in progress; stored as Pending whatever its State); an
    /// older pending pair is retired.
    /// </summary>
    Task AddPendingKeyPairAsync(KeyPairRecord keys, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the pending pair <paramref name="keyId"/> the active one and retires every other pair
    /// of the device. False (and no change) when that pair is not pending.
    /// </summary>
    Task<bool> PromoteKeyPairAsync(string deviceId, uint keyId, CancellationToken cancellationToken);

    /// <summary>Records when a gateway was last heard from; an earlier time than the stored one is ignored.</summary>
    Task TouchGatewayAsync(string tid, DateTimeOffset seenAt, CancellationToken cancellationToken);

    // ---- bindings -------------------------------------------------------------------------------

    /// <summary>
    /// Makes <paramref name="userId"/> the owner of the device unless it has one. Safe under
    /// concurrency: of many simultaneous calls for one device exactly one sees
    /// <see cref="BindOutcome.Bound"/>. Returns the owner afterwards. When no gateway or live
    /// (not Removing) sub-device has this id, or the user is unknown, throws <see cref="StoreConflictException"/>.
    /// </summary>
    Task<(BindOutcome Outcome, long OwnerUserId)> BindOwnerAsync(string deviceId, long userId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The owner of a device (gateway or sub-device), if bound.</summary>
    Task<long?> FindOwnerAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>
    /// Reset-unbind: removes every binding of the gateway and of its sub-devices, and deletes its
    /// sub-devices with their keys (the gateway wipes them too). The gateway row and its own key pairs
    /// stay. Returns the number of bindings removed.
    /// </summary>
    Task<int> ResetUnbindAsync(string tid, CancellationToken cancellationToken);

    /// <summary>The gateways a user owns, ordered by tid.</summary>
    Task<IReadOnlyList<GatewayRecord>> GetOwnedGatewaysAsync(long userId, CancellationToken cancellationToken);

    // ---- sub-devices ----------------------------------------------------------------------------

    /// <summary>
    /// Adds a sub-device under a gateway (in the state given, normally Added) with its first key pair
    /// (stored as Active), bound to the owner. A did already in use (also as a tid), an unknown
    /// gateway or an unknown owner throws <see cref="StoreConflictException"/>.
    /// </summary>
    Task AddSubDeviceAsync(SubDeviceRecord subDevice, KeyPairRecord keys, long ownerUserId, CancellationToken cancellationToken);

    /// <summary>The sub-device with this did, if any.</summary>
    Task<SubDeviceRecord?> FindSubDeviceAsync(string did, CancellationToken cancellationToken);

    /// <summary>The sub-devices of a gateway (removed ones included until the gateway acknowledged), ordered by did.</summary>
    Task<IReadOnlyList<SubDeviceRecord>> GetSubDevicesAsync(string tid, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a sub-device removed: its binding and keys go at once; the row stays (state Removing)
    /// until the gateway acknowledges. False when there is no such live sub-device.
    /// </summary>
    Task<bool> MarkSubDeviceRemovedAsync(string did, CancellationToken cancellationToken);

    /// <summary>
    /// The gateway acknowledged an add (state Added -> Active) or a removal (row deleted).
    /// False when there was nothing to acknowledge.
    /// </summary>
    Task<bool> AcknowledgeSubDeviceAsync(string did, CancellationToken cancellationToken);

    // ---- the relay bridge -------------------------------------------------------------------------

    /// <summary>
    /// Handles one relay of gateway <paramref name="tid"/> in one transaction: when
    /// <paramref name="stream"/> differs from the stored one, the cursor restarts at 0; entries at or
    /// below the cursor are skipped (they must come in strictly increasing seq order, so they are a
    /// prefix); the activity of the rest is recorded (telemetry and availability keep the newest by
    /// time, last-seen only grows; activity of a did that is not a live sub-device of the gateway is
    /// ignored); the cursor moves to the last entry's seq; and <paramref name="dropped"/> is added to
    /// the gateway's dropped total when at least one entry was new. With <paramref name="after"/>
    /// (a relay sent while an earlier one was in flight) nothing is handled unless the cursor of the
    /// same stream is already at or above it: the result is then <see cref="RelayApplied.OutOfOrder"/>
    /// and nothing changes. An unknown gateway throws <see cref="StoreConflictException"/>.
    /// </summary>
    Task<RelayApplied> ApplyRelayAsync(string tid, string stream, IReadOnlyList<RelayEntry> entries, long dropped, long? after, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records one sub-device packet that came outside a relay (the direct path): as in
    /// <see cref="ApplyRelayAsync"/>, without a cursor.
    /// </summary>
    Task RecordSubDeviceActivityAsync(string tid, SubDeviceActivity activity, CancellationToken cancellationToken);

    /// <summary>The relay cursor of a gateway, if it ever sent a relay.</summary>
    Task<RelayCursorRecord?> FindRelayCursorAsync(string tid, CancellationToken cancellationToken);

    /// <summary>What the bridge last said about the sub-devices of a gateway that it said anything about, ordered by did.</summary>
    Task<IReadOnlyList<SubDeviceStatusRecord>> GetSubDeviceStatusesAsync(string tid, CancellationToken cancellationToken);
}

/// <summary>Result of <see cref="ICloudStore.BindOwnerAsync"/>.</summary>
public enum BindOutcome
{
    /// <summary>The caller became the owner now.</summary>
    Bound,

    /// <summary>The caller already was the owner.</summary>
    AlreadyOwner,

    /// <summary>Someone else owns it.</summary>
    OwnedByOther,
}
