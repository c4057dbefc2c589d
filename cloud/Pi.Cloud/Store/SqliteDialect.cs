using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Pi.Cloud.Store;

/// <summary>
/// SQLite: one file, created on first use (mode 0600 on Unix) with WAL, foreign keys and a busy
/// timeout. Write transactions begin IMMEDIATE, so writers queue on the file lock instead of
/// failing when a read transaction would have to be upgraded.
/// </summary>
internal sealed class SqliteDialect : ISqlDialect
{
    private const int BusyTimeoutMilliseconds = 30_000;
    private const int SqliteConstraint = 19;

    private readonly string _connectionString;
    private readonly string _path;
    private int _prepared;

    public SqliteDialect(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource)
            || builder.Mode == SqliteOpenMode.Memory
            || string.Equals(builder.DataSource, ":memory:", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                "the SQLite store needs a database file (Data Source=path): in-memory databases are not supported, as every operation opens its own connection.",
                nameof(connectionString));
        }

        builder.ForeignKeys = true;
        builder.DefaultTimeout = BusyTimeoutMilliseconds / 1000;
        _connectionString = builder.ToString();
        _path = Path.GetFullPath(builder.DataSource);
    }

    public string Engine => "sqlite";

    public string BlobType => "BLOB";

    public string IdentityPrimaryKey => "INTEGER PRIMARY KEY AUTOINCREMENT";

    public string LockRowSuffix => "";

    public string OrdinalCollation => "";

    /// <summary>The database file.</summary>
    public string DatabasePath => _path;

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _prepared) == 0)
        {
            CreateFile();
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = Volatile.Read(ref _prepared) == 0
                    ? $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA journal_mode = WAL;"
                    : $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            Volatile.Write(ref _prepared, 1);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // Not deferred: BEGIN IMMEDIATE, waiting (busy timeout) for other writers.
        DbTransaction transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        return ValueTask.FromResult(transaction);
    }

    // BEGIN IMMEDIATE already admits one writer at a time, on this host or another.
    public Task LockMigrationsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public bool IsConstraintViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint };

    public bool IsTransient(DbException exception) => false;

    // SQLite's constraint messages name the table, column or constraint, never the values.
    public string DescribeViolation(DbException exception) =>
        exception is SqliteException sqlite ? sqlite.Message : exception.GetType().Name;

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        // Pooled connections keep the file open (and its WAL un-checkpointed) until cleared.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private void CreateFile()
    {
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        if (OperatingSystem.IsWindows() || File.Exists(_path))
        {
            return;
        }

        // Created here rather than by SQLite so that it is private from its first byte; SQLite
        // gives its -wal and -shm files the mode of the database file.
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using var file = new FileStream(_path, options);
    }
}
