using System.Data.Common;
using Dapper;

namespace Pi.Cloud.Store;

/// <summary>
/// <see cref="ICloudStore"/> over SQL shared by SQLite and PostgreSQL; what differs lives in the
/// <see cref="ISqlDialect"/>. Each write method is one transaction, retried whole when
/// PostgreSQL reports a deadlock. Constraint violations surface as <see cref="StoreConflictException"/>.
/// </summary>
/// <remarks>
/// Lock order on PostgreSQL (SQLite serializes writers on the file): a write that touches a device
/// first locks the row of the gateway it belongs to (<see cref="LockGatewayOfAsync"/>), so changes
/// to one gateway's tree (bindings, sub-devices, keys) queue instead of deadlocking.
/// </remarks>
internal sealed partial class SqlCloudStore : ICloudStore, IAsyncDisposable, IDisposable
{
    private const int MaxAttempts = 3;
    private const string OwnerRole = "owner";

    private readonly ISqlDialect _dialect;
    private int _disposed;

    public SqlCloudStore(ISqlDialect dialect) => _dialect = dialect;

    /// <summary>"sqlite" or "postgresql".</summary>
    public string Engine => _dialect.Engine;

    public Task MigrateAsync(CancellationToken cancellationToken) =>
        WriteAsync("migrating the schema", async (connection, transaction) =>
        {
            await _dialect.LockMigrationsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(Command(StoreSchema.CreateVersionTable, null, transaction, cancellationToken)).ConfigureAwait(false);
            var current = await connection.ExecuteScalarAsync<int?>(
                Command("SELECT max(version) FROM schema_version", null, transaction, cancellationToken)).ConfigureAwait(false) ?? 0;
            if (current > StoreSchema.LatestVersion)
            {
                throw new InvalidOperationException(
                    $"The {_dialect.Engine} database is at schema version {current}, newer than this build knows ({StoreSchema.LatestVersion}); upgrade the cloud.");
            }

            for (var version = current + 1; version <= StoreSchema.LatestVersion; version++)
            {
                var script = StoreSchema.Migrations[version - 1](_dialect);
                await connection.ExecuteAsync(Command(script, null, transaction, cancellationToken)).ConfigureAwait(false);
                await connection.ExecuteAsync(Command(
                    "INSERT INTO schema_version (version, applied_at) VALUES (@version, @appliedAt)",
                    new { version, appliedAt = StoreRows.ToMilliseconds(DateTimeOffset.UtcNow) },
                    transaction,
                    cancellationToken)).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) =>
        ReadAsync(connection => connection.ExecuteScalarAsync<int>(Command("SELECT 1", null, null, cancellationToken)), cancellationToken);

    /// <summary>The schema version of the database (0 before the first migration).</summary>
    internal Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            await connection.ExecuteAsync(Command(StoreSchema.CreateVersionTable, null, null, cancellationToken)).ConfigureAwait(false);
            return await connection.ExecuteScalarAsync<int?>(
                Command("SELECT max(version) FROM schema_version", null, null, cancellationToken)).ConfigureAwait(false) ?? 0;
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _dialect.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _dialect.Dispose();
        }
    }

    private static CommandDefinition Command(string sql, object? parameters, DbTransaction? transaction, CancellationToken cancellationToken) =>
        new(sql, parameters, transaction, cancellationToken: cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one write transaction: committed when it returns, rolled back when it throws.</summary>
    private async Task<T> WriteAsync<T>(string operation, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var transaction = await _dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        var result = await work(connection, transaction).ConfigureAwait(false);
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                        return result;
                    }
                }
            }
            catch (DbException exception) when (_dialect.IsConstraintViolation(exception))
            {
                // The provider's exception is not kept: its details may hold the row's values.
                throw new StoreConflictException($"The store refused {operation}: {_dialect.DescribeViolation(exception)}.");
            }
            catch (DbException exception) when (attempt < MaxAttempts && _dialect.IsTransient(exception))
            {
                // Deadlock or serialization failure: the transaction was rolled back; run it again.
            }
        }
    }

    /// <summary>Runs a read on its own connection (single statements need no explicit transaction).</summary>
    private async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await work(connection).ConfigureAwait(false);
        }
    }

    private static async Task<T?> QuerySingleAsync<T>(DbConnection connection, CommandDefinition command, Func<DbDataReader, T> map)
        where T : class
    {
        var reader = await connection.ExecuteReaderAsync(command).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(command.CancellationToken).ConfigureAwait(false) ? map(reader) : null;
        }
    }

    private static async Task<IReadOnlyList<T>> QueryListAsync<T>(DbConnection connection, CommandDefinition command, Func<DbDataReader, T> map)
    {
        var reader = await connection.ExecuteReaderAsync(command).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var list = new List<T>();
            while (await reader.ReadAsync(command.CancellationToken).ConfigureAwait(false))
            {
                list.Add(map(reader));
            }

            return list;
        }
    }

    /// <summary>
    /// Locks the row of the gateway that <paramref name="deviceId"/> is or belongs to and returns its
    /// tid; null when the device is unknown. See the lock order in the class remarks.
    /// </summary>
    private async Task<string?> LockGatewayOfAsync(DbConnection connection, DbTransaction transaction, string deviceId, CancellationToken cancellationToken)
    {
        if (await LockGatewayAsync(connection, transaction, deviceId, cancellationToken).ConfigureAwait(false) is { } tid)
        {
            return tid;
        }

        // A sub-device's gateway never changes, so reading it before taking the lock is safe.
        var parent = await connection.ExecuteScalarAsync<string?>(
            Command("SELECT tid FROM sub_devices WHERE did = @did", new { did = deviceId }, transaction, cancellationToken)).ConfigureAwait(false);
        return parent is null ? null : await LockGatewayAsync(connection, transaction, parent, cancellationToken).ConfigureAwait(false);
    }
}
