namespace Pi.Cloud.Store;

/// <summary>
/// The schema, as numbered migrations. A database records the versions it has in
/// <c>schema_version</c>; <see cref="SqlCloudStore.MigrateAsync"/> applies the missing ones in
/// order, each in the same transaction as its version row. Released migrations never change:
/// a change is a new migration at the end.
/// </summary>
internal static class StoreSchema
{
    public const string CreateVersionTable =
        "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at bigint NOT NULL)";

    /// <summary>The version a fully migrated database has.</summary>
    public static int LatestVersion => Migrations.Count;

    /// <summary>Migration n (1-based) is at index n - 1.</summary>
    public static IReadOnlyList<Func<ISqlDialect, string>> Migrations { get; } = [Version1, Version2];

    // Conventions: times are bigint unix milliseconds (UTC); keys and hashes are byte strings;
    // uint32 key ids are bigint; enums are integers (KeyPairState, SubDeviceState).
    // Bindings name either a gateway (tid) or a sub-device (did), so device_id has no foreign key;
    // the store deletes them with the device. A device has at most one owner (ux_bindings_owner).
    private static string Version1(ISqlDialect d) => $"""
        CREATE TABLE users (
            id {d.IdentityPrimaryKey},
            email text NOT NULL,
            email_normalized text NOT NULL,
            password_hash text NOT NULL,
            created_at bigint NOT NULL,
            CONSTRAINT ux_users_email UNIQUE (email_normalized)
        );

        CREATE TABLE app_sessions (
            token_hash {d.BlobType} NOT NULL PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            nonce {d.BlobType} NOT NULL,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL
        );
        CREATE INDEX ix_app_sessions_user ON app_sessions (user_id);
        CREATE INDEX ix_app_sessions_expires ON app_sessions (expires_at);

        CREATE TABLE factory_records (
            mac text NOT NULL PRIMARY KEY,
            uuid text,
            sn text,
            verification_code text NOT NULL,
            source text NOT NULL,
            created_at bigint NOT NULL,
            CONSTRAINT ck_factory_records_mac CHECK (length(mac) = 17 AND mac = lower(mac)),
            CONSTRAINT ck_factory_records_code CHECK (length(verification_code) > 0),
            CONSTRAINT ck_factory_records_source CHECK (source IN ('import', 'first-registration'))
        );

        CREATE TABLE gateways (
            tid text NOT NULL PRIMARY KEY,
            mac text NOT NULL,
            uuid text NOT NULL,
            sn text NOT NULL,
            device_info_json text,
            password_hash text NOT NULL,
            registered_at bigint NOT NULL,
            service_expires_at bigint NOT NULL,
            last_seen_at bigint,
            CONSTRAINT ux_gateways_mac UNIQUE (mac),
            CONSTRAINT ck_gateways_tid CHECK (length(tid) BETWEEN 1 AND 64),
            CONSTRAINT ck_gateways_mac CHECK (length(mac) = 17 AND mac = lower(mac))
        );

        CREATE TABLE sub_devices (
            did text NOT NULL PRIMARY KEY,
            tid text NOT NULL REFERENCES gateways (tid) ON DELETE CASCADE,
            kind text,
            name text,
            registered_at bigint NOT NULL,
            state integer NOT NULL,
            CONSTRAINT ck_sub_devices_did CHECK (length(did) BETWEEN 1 AND 64),
            CONSTRAINT ck_sub_devices_state CHECK (state IN (1, 2, 3))
        );
        CREATE INDEX ix_sub_devices_tid ON sub_devices (tid);

        CREATE TABLE key_pairs (
            device_id text NOT NULL,
            key_id bigint NOT NULL,
            access_key {d.BlobType} NOT NULL,
            local_key {d.BlobType} NOT NULL,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            state integer NOT NULL,
            CONSTRAINT pk_key_pairs PRIMARY KEY (device_id, key_id),
            CONSTRAINT ck_key_pairs_key_id CHECK (key_id BETWEEN 0 AND 4294967295),
            CONSTRAINT ck_key_pairs_state CHECK (state IN (1, 2, 3))
        );

        CREATE TABLE bindings (
            device_id text NOT NULL,
            user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            role text NOT NULL,
            created_at bigint NOT NULL,
            CONSTRAINT pk_bindings PRIMARY KEY (device_id, user_id),
            CONSTRAINT ck_bindings_role CHECK (role IN ('owner'))
        );
        CREATE UNIQUE INDEX ux_bindings_owner ON bindings (device_id) WHERE role = 'owner';
        CREATE INDEX ix_bindings_user ON bindings (user_id);
        """;

    // Version 2: the relay bridge (protocol.md section 9, "Relay"). relay_cursors keeps, per gateway,
    // the stream (the gateway's offline queue) and the highest seq the cloud handled, so an item is
    // handled at most once across resends and restarts, and the running total of up-packets the
    // gateway's queue dropped. sub_device_status keeps what the bridge last said about a sub-device:
    // online (0/1, as of availability_at), last seen, and the last telemetry (JSON text, as of
    // telemetry_at). Both go with their gateway or sub-device.
    private static string Version2(ISqlDialect d) => """
        CREATE TABLE relay_cursors (
            tid text NOT NULL PRIMARY KEY REFERENCES gateways (tid) ON DELETE CASCADE,
            stream text NOT NULL,
            seq bigint NOT NULL,
            dropped_total bigint NOT NULL,
            updated_at bigint NOT NULL,
            CONSTRAINT ck_relay_cursors_stream CHECK (length(stream) BETWEEN 1 AND 64),
            CONSTRAINT ck_relay_cursors_seq CHECK (seq >= 0),
            CONSTRAINT ck_relay_cursors_dropped CHECK (dropped_total >= 0)
        );

        CREATE TABLE sub_device_status (
            did text NOT NULL PRIMARY KEY REFERENCES sub_devices (did) ON DELETE CASCADE,
            online integer,
            availability_at bigint,
            last_seen_at bigint,
            telemetry_json text,
            telemetry_at bigint,
            CONSTRAINT ck_sub_device_status_online CHECK (online IN (0, 1))
        );
        """;
}
