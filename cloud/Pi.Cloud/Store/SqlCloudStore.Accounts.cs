using Dapper;

namespace Pi.Cloud.Store;

/// <summary>APP accounts and their logins.</summary>
internal sealed partial class SqlCloudStore
{
    /// <summary>The form of an email that uniqueness and look-ups use.</summary>
    internal static string NormalizeEmail(string email) => email.ToLowerInvariant();

    public async Task<UserRecord?> CreateUserAsync(string email, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        ArgumentException.ThrowIfNullOrEmpty(passwordHash);
        var createdAt = StoreRows.ToMilliseconds(now);
        var id = await WriteAsync("creating a user", (connection, transaction) =>
            connection.ExecuteScalarAsync<long?>(Command(
                """
                INSERT INTO users (email, email_normalized, password_hash, created_at)
                VALUES (@email, @normalized, @passwordHash, @createdAt)
                ON CONFLICT (email_normalized) DO NOTHING
                RETURNING id
                """,
                new { email, normalized = NormalizeEmail(email), passwordHash, createdAt },
                transaction,
                cancellationToken)), cancellationToken).ConfigureAwait(false);
        return id is { } userId ? new UserRecord(userId, email, passwordHash, StoreRows.FromMilliseconds(createdAt)) : null;
    }

    public Task<UserRecord?> FindUserByEmailAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        return ReadAsync(connection => QuerySingleAsync(
            connection,
            Command($"SELECT {StoreRows.UserColumns} FROM users WHERE email_normalized = @normalized", new { normalized = NormalizeEmail(email) }, null, cancellationToken),
            StoreRows.ReadUser), cancellationToken);
    }

    public Task CreateAppSessionAsync(AppSessionRecord session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return WriteAsync("creating an APP session", (connection, transaction) =>
            connection.ExecuteAsync(Command(
                $"INSERT INTO app_sessions ({StoreRows.AppSessionColumns}) VALUES (@tokenHash, @userId, @nonce, @createdAt, @expiresAt)",
                new
                {
                    tokenHash = session.TokenHash,
                    userId = session.UserId,
                    nonce = session.Nonce,
                    createdAt = StoreRows.ToMilliseconds(session.CreatedAt),
                    expiresAt = StoreRows.ToMilliseconds(session.ExpiresAt),
                },
                transaction,
                cancellationToken)), cancellationToken);
    }

    public Task<AppSessionRecord?> FindAppSessionAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        return ReadAsync(connection => QuerySingleAsync(
            connection,
            Command($"SELECT {StoreRows.AppSessionColumns} FROM app_sessions WHERE token_hash = @tokenHash", new { tokenHash }, null, cancellationToken),
            StoreRows.ReadAppSession), cancellationToken);
    }

    public async Task<bool> DeleteAppSessionAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        var deleted = await WriteAsync("ending an APP session", (connection, transaction) =>
            connection.ExecuteAsync(Command("DELETE FROM app_sessions WHERE token_hash = @tokenHash", new { tokenHash }, transaction, cancellationToken)),
            cancellationToken).ConfigureAwait(false);
        return deleted > 0;
    }

    public Task<int> DeleteExpiredAppSessionsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync("deleting expired APP sessions", (connection, transaction) =>
            connection.ExecuteAsync(Command(
                "DELETE FROM app_sessions WHERE expires_at < @now",
                new { now = StoreRows.ToMilliseconds(now) },
                transaction,
                cancellationToken)), cancellationToken);
}
