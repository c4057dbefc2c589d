using System.Data.Common;
using Dapper;

namespace Pi.Cloud.Store;

/// <summary>Factory records, gateways and key pairs.</summary>
internal sealed partial class SqlCloudStore
{
    private const string InsertFactoryRecord =
        $"""
        INSERT INTO factory_records ({StoreRows.FactoryRecordColumns})
        VALUES (@mac, @uuid, @sn, @verificationCode, @source, @createdAt)
        ON CONFLICT (mac) DO NOTHING
        """;

    public Task<(int Inserted, int Updated)> ImportFactoryRecordsAsync(IReadOnlyList<FactoryRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var macs = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(records[i], nameof(records));
            if (!macs.Add(records[i].Mac))
            {
                throw new StoreConflictException($"The store refused importing factory records: record {i} repeats the MAC of an earlier record.");
            }
        }

        return WriteAsync("importing factory records", async (connection, transaction) =>
        {
            int inserted = 0, updated = 0;
            foreach (var record in records)
            {
                var parameters = FactoryRecordParameters(record);
                if (await connection.ExecuteAsync(Command(InsertFactoryRecord, parameters, transaction, cancellationToken)).ConfigureAwait(false) > 0)
                {
                    inserted++;
                    continue;
                }

                await connection.ExecuteAsync(Command(
                    """
                    UPDATE factory_records
                    SET uuid = @uuid, sn = @sn, verification_code = @verificationCode, source = @source, created_at = @createdAt
                    WHERE mac = @mac
                    """,
                    parameters,
                    transaction,
                    cancellationToken)).ConfigureAwait(false);
                updated++;
            }

            return (inserted, updated);
        }, cancellationToken);
    }

    public Task<FactoryRecord?> FindFactoryRecordAsync(string mac, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mac);
        return ReadAsync(connection => QuerySingleAsync(
            connection,
            Command($"SELECT {StoreRows.FactoryRecordColumns} FROM factory_records WHERE mac = @mac", new { mac = mac.ToLowerInvariant() }, null, cancellationToken),
            StoreRows.ReadFactoryRecord), cancellationToken);
    }

    public Task<GatewayRecord?> FindGatewayAsync(string tid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tid);
        return ReadAsync(connection => QuerySingleAsync(
            connection,
            Command($"SELECT {StoreRows.GatewayColumns} FROM gateways WHERE tid = @tid", new { tid }, null, cancellationToken),
            StoreRows.ReadGateway), cancellationToken);
    }

    public Task<GatewayRecord?> FindGatewayByMacAsync(string mac, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mac);
        return ReadAsync(connection => QuerySingleAsync(
            connection,
            Command($"SELECT {StoreRows.GatewayColumns} FROM gateways WHERE mac = @mac", new { mac = mac.ToLowerInvariant() }, null, cancellationToken),
            StoreRows.ReadGateway), cancellationToken);
    }

    public Task RegisterGatewayAsync(GatewayRecord gateway, KeyPairRecord keys, FactoryRecord? factoryRecord, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(keys);
        RequireSameDevice(keys, gateway.Tid);
        return WriteAsync("registering a gateway", async (connection, transaction) =>
        {
            var isSubDevice = await connection.ExecuteScalarAsync<long>(Command(
                "SELECT count(*) FROM sub_devices WHERE did = @tid", new { tid = gateway.Tid }, transaction, cancellationToken)).ConfigureAwait(false);
            if (isSubDevice > 0)
            {
                throw new StoreConflictException("The store refused registering a gateway: its tid is a sub-device's did.");
            }

            // The upsert locks the gateway row first, as every write to a device does.
            await connection.ExecuteAsync(Command(
                $"""
                INSERT INTO gateways ({StoreRows.GatewayColumns})
                VALUES (@tid, @mac, @uuid, @sn, @deviceInfoJson, @passwordHash, @registeredAt, @serviceExpiresAt, @lastSeenAt)
                ON CONFLICT (tid) DO UPDATE SET
                    mac = excluded.mac, uuid = excluded.uuid, sn = excluded.sn, device_info_json = excluded.device_info_json,
                    password_hash = excluded.password_hash, registered_at = excluded.registered_at,
                    service_expires_at = excluded.service_expires_at, last_seen_at = excluded.last_seen_at
                """,
                new
                {
                    tid = gateway.Tid,
                    mac = gateway.Mac,
                    uuid = gateway.Uuid,
                    sn = gateway.Sn,
                    deviceInfoJson = gateway.DeviceInfoJson,
                    passwordHash = gateway.PasswordHash,
                    registeredAt = StoreRows.ToMilliseconds(gateway.RegisteredAt),
                    serviceExpiresAt = StoreRows.ToMilliseconds(gateway.ServiceExpiresAt),
                    lastSeenAt = gateway.LastSeenAt is { } seen ? StoreRows.ToMilliseconds(seen) : (long?)null,
                },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            await RetireKeyPairsAsync(connection, transaction, gateway.Tid, cancellationToken).ConfigureAwait(false);
            await InsertKeyPairAsync(connection, transaction, keys, KeyPairState.Active, cancellationToken).ConfigureAwait(false);
            if (factoryRecord is not null)
            {
                await connection.ExecuteAsync(Command(InsertFactoryRecord, FactoryRecordParameters(factoryRecord), transaction, cancellationToken))
                    .ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
    }

    public Task<KeyPairRecord?> FindKeyPairAsync(string deviceId, uint keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        return ReadAsync(connection => QuerySingleAsync(
            connection,
            Command($"SELECT {StoreRows.KeyPairColumns} FROM key_pairs WHERE device_id = @deviceId AND key_id = @keyId", new { deviceId, keyId = (long)keyId }, null, cancellationToken),
            StoreRows.ReadKeyPair), cancellationToken);
    }

    public Task<IReadOnlyList<KeyPairRecord>> GetLiveKeyPairsAsync(string deviceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        return ReadAsync(connection => QueryListAsync(
            connection,
            Command(
                $"SELECT {StoreRows.KeyPairColumns} FROM key_pairs WHERE device_id = @deviceId AND state <> @retired ORDER BY created_at DESC, key_id DESC",
                new { deviceId, retired = (int)KeyPairState.Retired },
                null,
                cancellationToken),
            StoreRows.ReadKeyPair), cancellationToken);
    }

    public Task AddPendingKeyPairAsync(KeyPairRecord keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return WriteAsync("adding a pending key pair", async (connection, transaction) =>
        {
            await LockGatewayOfAsync(connection, transaction, keys.DeviceId, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(Command(
                "UPDATE key_pairs SET state = @retired WHERE device_id = @deviceId AND state = @pending",
                new { deviceId = keys.DeviceId, retired = (int)KeyPairState.Retired, pending = (int)KeyPairState.Pending },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            await InsertKeyPairAsync(connection, transaction, keys, KeyPairState.Pending, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<bool> PromoteKeyPairAsync(string deviceId, uint keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        return WriteAsync("promoting a key pair", async (connection, transaction) =>
        {
            await LockGatewayOfAsync(connection, transaction, deviceId, cancellationToken).ConfigureAwait(false);
            var promoted = await connection.ExecuteAsync(Command(
                "UPDATE key_pairs SET state = @active WHERE device_id = @deviceId AND key_id = @keyId AND state = @pending",
                new { deviceId, keyId = (long)keyId, active = (int)KeyPairState.Active, pending = (int)KeyPairState.Pending },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            if (promoted == 0)
            {
                return false;
            }

            await connection.ExecuteAsync(Command(
                "UPDATE key_pairs SET state = @retired WHERE device_id = @deviceId AND key_id <> @keyId AND state <> @retired",
                new { deviceId, keyId = (long)keyId, retired = (int)KeyPairState.Retired },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task TouchGatewayAsync(string tid, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tid);

        // Never moves backwards: of two concurrent touches the later time stays.
        return WriteAsync("recording when a gateway was seen", (connection, transaction) =>
            connection.ExecuteAsync(Command(
                "UPDATE gateways SET last_seen_at = @seenAt WHERE tid = @tid AND (last_seen_at IS NULL OR last_seen_at < @seenAt)",
                new { tid, seenAt = StoreRows.ToMilliseconds(seenAt) },
                transaction,
                cancellationToken)), cancellationToken);
    }

    private static object FactoryRecordParameters(FactoryRecord record) => new
    {
        mac = record.Mac,
        uuid = record.Uuid,
        sn = record.Sn,
        verificationCode = record.VerificationCode,
        source = record.Source,
        createdAt = StoreRows.ToMilliseconds(record.CreatedAt),
    };

    private static void RequireSameDevice(KeyPairRecord keys, string deviceId)
    {
        if (!string.Equals(keys.DeviceId, deviceId, StringComparison.Ordinal))
        {
            throw new ArgumentException("The key pair belongs to another device.", nameof(keys));
        }
    }

    private static Task<int> RetireKeyPairsAsync(DbConnection connection, DbTransaction transaction, string deviceId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(Command(
            "UPDATE key_pairs SET state = @retired WHERE device_id = @deviceId AND state <> @retired",
            new { deviceId, retired = (int)KeyPairState.Retired },
            transaction,
            cancellationToken));

    private static Task<int> InsertKeyPairAsync(DbConnection connection, DbTransaction transaction, KeyPairRecord keys, KeyPairState state, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(Command(
            $"INSERT INTO key_pairs ({StoreRows.KeyPairColumns}) VALUES (@deviceId, @keyId, @accessKey, @localKey, @createdAt, @expiresAt, @state)",
            new
            {
                deviceId = keys.DeviceId,
                keyId = (long)keys.KeyId,
                accessKey = keys.AccessKey,
                localKey = keys.LocalKey,
                createdAt = StoreRows.ToMilliseconds(keys.CreatedAt),
                expiresAt = StoreRows.ToMilliseconds(keys.ExpiresAt),
                state = (int)state,
            },
            transaction,
            cancellationToken));
}
