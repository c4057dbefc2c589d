using System.Data.Common;

namespace Pi.Cloud.Store;

/// <summary>
/// Column lists and row readers of the records, read by position so both engines map the same
/// way (SQLite reports a column's type per value; PostgreSQL per column).
/// </summary>
internal static class StoreRows
{
    public const string UserColumns = "id, email, password_hash, created_at";

    public const string AppSessionColumns = "token_hash, user_id, nonce, created_at, expires_at";

    public const string FactoryRecordColumns = "mac, uuid, sn, verification_code, source, created_at";

    public const string GatewayColumns =
        "tid, mac, uuid, sn, device_info_json, password_hash, registered_at, service_expires_at, last_seen_at";

    public const string KeyPairColumns = "device_id, key_id, access_key, local_key, created_at, expires_at, state";

    public const string SubDeviceColumns = "did, tid, kind, name, registered_at, state";

    /// <summary>Unix milliseconds, as every time is stored.</summary>
    public static long ToMilliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    public static UserRecord ReadUser(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), Time(r, 3));

    public static AppSessionRecord ReadAppSession(DbDataReader r) =>
        new(Bytes(r, 0), r.GetInt64(1), Bytes(r, 2), Time(r, 3), Time(r, 4));

    public static FactoryRecord ReadFactoryRecord(DbDataReader r) =>
        new(r.GetString(0), Text(r, 1), Text(r, 2), r.GetString(3), r.GetString(4), Time(r, 5));

    public static GatewayRecord ReadGateway(DbDataReader r) =>
        new(
            r.GetString(0),
            r.GetString(1),
            r.GetString(2),
            r.GetString(3),
            Text(r, 4),
            r.GetString(5),
            Time(r, 6),
            Time(r, 7),
            r.IsDBNull(8) ? null : Time(r, 8));

    public static KeyPairRecord ReadKeyPair(DbDataReader r) =>
        new(r.GetString(0), checked((uint)r.GetInt64(1)), Bytes(r, 2), Bytes(r, 3), Time(r, 4), Time(r, 5), (KeyPairState)r.GetInt32(6));

    public static SubDeviceRecord ReadSubDevice(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), Text(r, 2), Text(r, 3), Time(r, 4), (SubDeviceState)r.GetInt32(5));

    private static DateTimeOffset Time(DbDataReader r, int ordinal) => FromMilliseconds(r.GetInt64(ordinal));

    private static string? Text(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static byte[] Bytes(DbDataReader r, int ordinal) => r.GetFieldValue<byte[]>(ordinal);
}
