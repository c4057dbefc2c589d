using System.Data.Common;

namespace Pi.Cloud.Store;

/// <summary>
/// What differs between the two engines under <see cref="SqlCloudStore"/>: how to connect, how a
/// write transaction starts, a few type names and the shape of their errors. The SQL itself is shared.
/// </summary>
internal interface ISqlDialect : IAsyncDisposable, IDisposable
{
    /// <summary>"sqlite" or "postgresql", for logs.</summary>
    string Engine { get; }

    /// <summary>The column type of byte strings.</summary>
    string BlobType { get; }

    /// <summary>The column definition of a generated bigint primary key.</summary>
    string IdentityPrimaryKey { get; }

    /// <summary>
    /// Appended to a SELECT that reads a row the transaction will change, so that concurrent
    /// writers queue on it (PostgreSQL). Empty where write transactions are serialized anyway (SQLite).
    /// </summary>
    string LockRowSuffix { get; }

    /// <summary>Appended to an ORDER BY of identifiers so both engines sort them byte-wise.</summary>
    string OrdinalCollation { get; }

    /// <summary>An open connection, ready for use (pragmas applied).</summary>
    ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Starts a transaction that will write; on SQLite it takes the write lock at once.</summary>
    ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Makes concurrent migrations from several hosts run one after another.</summary>
    Task LockMigrationsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>A unique, foreign-key, check or not-null violation.</summary>
    bool IsConstraintViolation(DbException exception);

    /// <summary>A failure that a fresh attempt of the whole transaction may not meet (deadlock, serialization).</summary>
    bool IsTransient(DbException exception);

    /// <summary>Which rule a constraint violation broke, without the offending values.</summary>
    string DescribeViolation(DbException exception);
}
