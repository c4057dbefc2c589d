using System.Data.Common;
using Dapper;

namespace Pi.Cloud.Store;

/// <summary>Bindings (who owns a device) and sub-devices.</summary>
internal sealed partial class SqlCloudStore
{
    private const string SelectOwner = $"SELECT user_id FROM bindings WHERE device_id = @deviceId AND role = '{OwnerRole}'";

    private const string SubDevicesOfGateway = "SELECT did FROM sub_devices WHERE tid = @tid";

    public Task<(BindOutcome Outcome, long OwnerUserId)> BindOwnerAsync(string deviceId, long userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        return WriteAsync("binding a device", async (connection, transaction) =>
        {
            // Binds of one device queue on its gateway's row (PostgreSQL) or the file (SQLite);
            // the unique owner index is the last word either way.
            var tid = await LockGatewayOfAsync(connection, transaction, deviceId, cancellationToken).ConfigureAwait(false);
            if (tid is null || (tid != deviceId && !await IsLiveSubDeviceAsync(connection, transaction, deviceId, cancellationToken).ConfigureAwait(false)))
            {
                throw new StoreConflictException("The store refused binding a device: no gateway or live sub-device has this id.");
            }

            var inserted = await connection.ExecuteAsync(Command(
                $"INSERT INTO bindings (device_id, user_id, role, created_at) VALUES (@deviceId, @userId, '{OwnerRole}', @createdAt) ON CONFLICT DO NOTHING",
                new { deviceId, userId, createdAt = StoreRows.ToMilliseconds(now) },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            if (inserted > 0)
            {
                return (BindOutcome.Bound, userId);
            }

            var owner = await connection.ExecuteScalarAsync<long?>(Command(SelectOwner, new { deviceId }, transaction, cancellationToken)).ConfigureAwait(false)
                ?? throw new StoreConflictException("The store refused binding a device: the user holds another role on it.");
            return (owner == userId ? BindOutcome.AlreadyOwner : BindOutcome.OwnedByOther, owner);
        }, cancellationToken);
    }

    public Task<long?> FindOwnerAsync(string deviceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        return ReadAsync(connection => connection.ExecuteScalarAsync<long?>(Command(SelectOwner, new { deviceId }, null, cancellationToken)), cancellationToken);
    }

    public Task<int> ResetUnbindAsync(string tid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tid);
        return WriteAsync("reset-unbinding a gateway", async (connection, transaction) =>
        {
            await LockGatewayAsync(connection, transaction, tid, cancellationToken).ConfigureAwait(false);
            var removed = await connection.ExecuteAsync(Command(
                $"DELETE FROM bindings WHERE device_id = @tid OR device_id IN ({SubDevicesOfGateway})", new { tid }, transaction, cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(Command(
                $"DELETE FROM key_pairs WHERE device_id IN ({SubDevicesOfGateway})", new { tid }, transaction, cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(Command("DELETE FROM sub_devices WHERE tid = @tid", new { tid }, transaction, cancellationToken)).ConfigureAwait(false);
            return removed;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<GatewayRecord>> GetOwnedGatewaysAsync(long userId, CancellationToken cancellationToken) =>
        ReadAsync(connection => QueryListAsync(
            connection,
            Command(
                $"""
                SELECT {StoreRows.GatewayColumns} FROM gateways
                WHERE tid IN (SELECT device_id FROM bindings WHERE user_id = @userId AND role = '{OwnerRole}')
                ORDER BY tid{_dialect.OrdinalCollation}
                """,
                new { userId },
                null,
                cancellationToken),
            StoreRows.ReadGateway), cancellationToken);

    public Task AddSubDeviceAsync(SubDeviceRecord subDevice, KeyPairRecord keys, long ownerUserId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subDevice);
        ArgumentNullException.ThrowIfNull(keys);
        RequireSameDevice(keys, subDevice.Did);
        return WriteAsync("adding a sub-device", async (connection, transaction) =>
        {
            if (await LockGatewayAsync(connection, transaction, subDevice.Tid, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new StoreConflictException("The store refused adding a sub-device: its gateway is not registered.");
            }

            var didIsGateway = await connection.ExecuteScalarAsync<long>(Command(
                "SELECT count(*) FROM gateways WHERE tid = @did", new { did = subDevice.Did }, transaction, cancellationToken)).ConfigureAwait(false);
            if (didIsGateway > 0)
            {
                throw new StoreConflictException("The store refused adding a sub-device: its did is a gateway's tid.");
            }

            await connection.ExecuteAsync(Command(
                $"INSERT INTO sub_devices ({StoreRows.SubDeviceColumns}) VALUES (@did, @tid, @kind, @name, @registeredAt, @state)",
                new
                {
                    did = subDevice.Did,
                    tid = subDevice.Tid,
                    kind = subDevice.Kind,
                    name = subDevice.Name,
                    registeredAt = StoreRows.ToMilliseconds(subDevice.RegisteredAt),
                    state = (int)subDevice.State,
                },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            await InsertKeyPairAsync(connection, transaction, keys, KeyPairState.Active, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(Command(
                $"INSERT INTO bindings (device_id, user_id, role, created_at) VALUES (@did, @ownerUserId, '{OwnerRole}', @createdAt)",
                new { did = subDevice.Did, ownerUserId, createdAt = StoreRows.ToMilliseconds(subDevice.RegisteredAt) },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<SubDeviceRecord?> FindSubDeviceAsync(string did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(did);
        return ReadAsync(connection => QuerySingleAsync(
            connection,
            Command($"SELECT {StoreRows.SubDeviceColumns} FROM sub_devices WHERE did = @did", new { did }, null, cancellationToken),
            StoreRows.ReadSubDevice), cancellationToken);
    }

    public Task<IReadOnlyList<SubDeviceRecord>> GetSubDevicesAsync(string tid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tid);
        return ReadAsync(connection => QueryListAsync(
            connection,
            Command(
                $"SELECT {StoreRows.SubDeviceColumns} FROM sub_devices WHERE tid = @tid ORDER BY did{_dialect.OrdinalCollation}",
                new { tid },
                null,
                cancellationToken),
            StoreRows.ReadSubDevice), cancellationToken);
    }

    public Task<bool> MarkSubDeviceRemovedAsync(string did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(did);
        return WriteAsync("removing a sub-device", async (connection, transaction) =>
        {
            await LockGatewayOfAsync(connection, transaction, did, cancellationToken).ConfigureAwait(false);
            var marked = await connection.ExecuteAsync(Command(
                "UPDATE sub_devices SET state = @removing WHERE did = @did AND state <> @removing",
                new { did, removing = (int)SubDeviceState.Removing },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            if (marked == 0)
            {
                return false;
            }

            await DeleteBindingsAndKeysAsync(connection, transaction, did, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<bool> AcknowledgeSubDeviceAsync(string did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(did);
        return WriteAsync("acknowledging a sub-device", async (connection, transaction) =>
        {
            await LockGatewayOfAsync(connection, transaction, did, cancellationToken).ConfigureAwait(false);
            var activated = await connection.ExecuteAsync(Command(
                "UPDATE sub_devices SET state = @active WHERE did = @did AND state = @added",
                new { did, active = (int)SubDeviceState.Active, added = (int)SubDeviceState.Added },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            if (activated > 0)
            {
                return true;
            }

            var deleted = await connection.ExecuteAsync(Command(
                "DELETE FROM sub_devices WHERE did = @did AND state = @removing",
                new { did, removing = (int)SubDeviceState.Removing },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            if (deleted == 0)
            {
                return false;
            }

            // Nothing should be left (the removal took them), but no stray row may outlive the device.
            await DeleteBindingsAndKeysAsync(connection, transaction, did, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    private async Task<string?> LockGatewayAsync(DbConnection connection, DbTransaction transaction, string tid, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<string?>(Command(
            $"SELECT tid FROM gateways WHERE tid = @tid{_dialect.LockRowSuffix}", new { tid }, transaction, cancellationToken)).ConfigureAwait(false);

    private static async Task<bool> IsLiveSubDeviceAsync(DbConnection connection, DbTransaction transaction, string did, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(Command(
            "SELECT count(*) FROM sub_devices WHERE did = @did AND state <> @removing",
            new { did, removing = (int)SubDeviceState.Removing },
            transaction,
            cancellationToken)).ConfigureAwait(false) > 0;

    private static async Task DeleteBindingsAndKeysAsync(DbConnection connection, DbTransaction transaction, string did, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(Command("DELETE FROM bindings WHERE device_id = @did", new { did }, transaction, cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(Command("DELETE FROM key_pairs WHERE device_id = @did", new { did }, transaction, cancellationToken)).ConfigureAwait(false);
    }
}
