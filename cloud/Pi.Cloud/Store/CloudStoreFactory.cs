using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Pi.Cloud.Options;

namespace Pi.Cloud.Store;

/// <summary>Picks the engine from <see cref="StoreOptions.ConnectionString"/>.</summary>
public static class CloudStoreFactory
{
    /// <summary>The SQLite file used when no connection string is configured.</summary>
    public const string DefaultFileName = "cloud.db";

    private const string SettingName = "Cloud:Store:ConnectionString";

    /// <summary>
    /// Empty connection string: a SQLite file <c>cloud.db</c> in <paramref name="dataDirectory"/>
    /// (created on first use, mode 0600 on Unix). <c>Host=...</c>: PostgreSQL.
    /// <c>Data Source=...</c>: that SQLite file. The store is not migrated here (see
    /// <see cref="ICloudStore.MigrateAsync"/>); dispose it to release its connections.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The connection string selects no engine or does not parse. The message never repeats it
    /// (it may hold a password).
    /// </exception>
    public static ICloudStore Create(StoreOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = options.ConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
            var path = Path.Combine(Path.GetFullPath(dataDirectory), DefaultFileName);
            return new SqlCloudStore(new SqliteDialect(new SqliteConnectionStringBuilder { DataSource = path }.ToString()));
        }

        var keywords = new DbConnectionStringBuilder();
        try
        {
            keywords.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{SettingName} is not a connection string (keyword=value pairs separated by ';').", nameof(options));
        }

        if (keywords.ContainsKey("Host"))
        {
            return new SqlCloudStore(new PostgresDialect(BuildPostgres(connectionString, nameof(options))));
        }

        if (keywords.ContainsKey("Data Source"))
        {
            try
            {
                _ = new SqliteConnectionStringBuilder(connectionString);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException($"{SettingName} selects SQLite (Data Source=) but has a keyword or value Microsoft.Data.Sqlite does not accept.", nameof(options));
            }

            try
            {
                return new SqlCloudStore(new SqliteDialect(connectionString));
            }
            catch (ArgumentException exception)
            {
                // The dialect's own message (no part of the connection string in it).
                throw new ArgumentException($"{SettingName}: {exception.Message}", nameof(options));
            }
        }

        throw new ArgumentException(
            $"{SettingName} names no engine: leave it empty for a SQLite file in the data directory, give a PostgreSQL connection string (Host=...;Database=...;Username=...;Password=...) or a SQLite one (Data Source=path).",
            nameof(options));
    }

    private static NpgsqlDataSource BuildPostgres(string connectionString, string parameterName)
    {
        try
        {
            return new NpgsqlDataSourceBuilder(connectionString).Build();
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql's message may quote the value it could not parse: not repeated.
            throw new ArgumentException(
                $"{SettingName} selects PostgreSQL (Host=) but has a keyword or value Npgsql does not accept.", parameterName);
        }
    }
}
