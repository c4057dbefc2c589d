using System.Reflection;
using Microsoft.Data.Sqlite;
using Npgsql;
using Pi.Cloud.Options;
using Pi.Cloud.Store;
using Xunit.Sdk;

namespace Pi.Cloud.Tests.Store;

/// <summary>The engines every store test runs on.</summary>
public enum Engine
{
    Sqlite,
    Postgres,
}

/// <summary>Runs a theory once per engine.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BothEnginesAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Engine.Sqlite], [Engine.Postgres]];
}

/// <summary>
/// A fresh, migrated store for one test: a SQLite file in its own temporary directory, or a
/// PostgreSQL database of its own on <see cref="PostgresServer.Shared"/>. Disposing it disposes
/// every store opened on it and deletes the directory or drops the database.
/// </summary>
internal sealed class TestStore : IAsyncDisposable
{
    private readonly List<SqlCloudStore> _opened = [];
    private readonly string? _directory;

    private TestStore(Engine engine, string connectionString, string? directory)
    {
        Engine = engine;
        ConnectionString = connectionString;
        _directory = directory;
    }

    public Engine Engine { get; }

    /// <summary>What <see cref="StoreOptions.ConnectionString"/> would say for this database.</summary>
    public string ConnectionString { get; }

    /// <summary>The store the test works with.</summary>
    public SqlCloudStore Store => _opened[0];

    public static async Task<TestStore> CreateAsync(Engine engine, bool migrate = true)
    {
        TestStore test;
        if (engine == Engine.Sqlite)
        {
            var directory = Directory.CreateTempSubdirectory("pi-store-test-").FullName;
            test = new TestStore(engine, $"Data Source={Path.Combine(directory, "cloud.db")}", directory);
        }
        else
        {
            test = new TestStore(engine, await PostgresServer.Shared.CreateDatabaseAsync(), directory: null);
        }

        var store = test.Open();
        if (migrate)
        {
            await store.MigrateAsync(CancellationToken.None);
        }

        return test;
    }

    /// <summary>Another store on the same database, as a second host (or a restart) would open it.</summary>
    public SqlCloudStore Open()
    {
        var store = (SqlCloudStore)CloudStoreFactory.Create(new StoreOptions { ConnectionString = ConnectionString }, _directory ?? ".");
        _opened.Add(store);
        return store;
    }

    /// <summary>Runs SQL behind the store's back (to set up states the interface cannot reach).</summary>
    public async Task ExecuteAsync(string sql)
    {
        if (Engine == Engine.Sqlite)
        {
            await using var connection = new SqliteConnection(ConnectionString + ";Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Reads one number behind the store's back.</summary>
    public async Task<long> CountAsync(string sql)
    {
        if (Engine == Engine.Sqlite)
        {
            await using var connection = new SqliteConnection(ConnectionString + ";Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }

        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
        else
        {
            await PostgresServer.Shared.DropDatabaseAsync(ConnectionString);
        }
    }
}
