using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Pi.Cloud.Http;
using Pi.Cloud.Login;
using Pi.Cloud.Options;
using Pi.Cloud.Store;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Accounts;

/// <summary>An APP login as the API sees it: the user and this login's binding nonce.</summary>
public sealed record AppCaller(long UserId, byte[] Nonce, byte[] TokenHash);

/// <summary>What a successful APP login returns.</summary>
public sealed record AppLogin(string Token, DateTimeOffset ExpiresAt, byte[] Nonce);

/// <summary>
/// APP accounts: sign-up, login (a bearer token and a random nonce kept in that login, seed
/// embodiment 2), token checks and logout. Passwords are kept as salted slow hashes; tokens only
/// as their SHA-256.
/// </summary>
public sealed class AccountService
{
    /// <summary>Size of the binding nonce given at each login.</summary>
    public const int NonceSize = 16;

    private readonly ICloudStore _store;
    private readonly PasswordHasher _passwords;
    private readonly LoginThrottle _throttle;
    private readonly TimeProvider _time;
    private readonly IOptions<CloudOptions> _options;

    public AccountService(ICloudStore store, PasswordHasher passwords, LoginThrottle throttle, TimeProvider time, IOptions<CloudOptions> options)
    {
        _store = store;
        _passwords = passwords;
        _throttle = throttle;
        _time = time;
        _options = options;
    }

    /// <summary>Creates an account.</summary>
    /// <exception cref="CloudApiException">Invalid email or password, or the email is taken.</exception>
    public async Task<UserRecord> SignUpAsync(string? email, string? password, CancellationToken cancellationToken)
    {
        var normalized = NormalizeEmail(email);
        CheckPassword(password);
        var user = await _store.CreateUserAsync(normalized, _passwords.Hash(password!), _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return user ?? throw new CloudApiException(ProtocolErrorCode.InvalidField, "an account with this email exists", 409);
    }

    /// <summary>Logs in: a new bearer token and binding nonce.</summary>
    /// <exception cref="CloudApiException">Wrong email or password, or throttled.</exception>
    public async Task<AppLogin> LoginAsync(string? email, string? password, string source, CancellationToken cancellationToken)
    {
        var normalized = NormalizeEmail(email);
        if (string.IsNullOrEmpty(password))
        {
            throw new CloudApiException(ProtocolErrorCode.MissingField, "password is required");
        }
        var keys = new[] { "app-ip:" + source, "app-user:" + normalized };
        if (keys.Select(_throttle.RetryAfter).FirstOrDefault(r => r is not null) is { } retry)
        {
            throw new CloudApiException(ProtocolErrorCode.RateLimited, "too many failed logins; try again later") { RetryAfter = retry };
        }
        var user = await _store.FindUserByEmailAsync(normalized, cancellationToken).ConfigureAwait(false);
        bool valid;
        if (user is null)
        {
            _passwords.VerifyDummy(password); // same work as a real check: timing does not reveal accounts
            valid = false;
        }
        else
        {
            valid = _passwords.Verify(password, user.PasswordHash);
        }
        if (!valid || user is null)
        {
            foreach (var key in keys)
            {
                _throttle.Fail(key);
            }
            throw new CloudApiException(ProtocolErrorCode.BadCredentials, "email or password is wrong");
        }
        _throttle.Reset(keys[1]);
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var now = _time.GetUtcNow();
        var expiresAt = now + _options.Value.Accounts.TokenLifetime;
        await _store.CreateAppSessionAsync(new AppSessionRecord(HashToken(token), user.Id, nonce, now, expiresAt), cancellationToken).ConfigureAwait(false);
        return new AppLogin(token, expiresAt, nonce);
    }

    /// <summary>The caller behind a bearer token; null when unknown or expired.</summary>
    public async Task<AppCaller?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length is < 16 or > 256)
        {
            return null;
        }
        var hash = HashToken(token);
        var session = await _store.FindAppSessionAsync(hash, cancellationToken).ConfigureAwait(false);
        if (session is null || _time.GetUtcNow() >= session.ExpiresAt)
        {
            return null;
        }
        return new AppCaller(session.UserId, session.Nonce, hash);
    }

    /// <summary>Ends an APP login.</summary>
    public Task<bool> LogoutAsync(AppCaller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return _store.DeleteAppSessionAsync(caller.TokenHash, cancellationToken);
    }

    internal static byte[] HashToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string NormalizeEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            throw new CloudApiException(ProtocolErrorCode.MissingField, "email is required");
        }
        var trimmed = email.Trim();
        var at = trimmed.IndexOf('@', StringComparison.Ordinal);
        if (trimmed.Length > 254 || at < 1 || at != trimmed.LastIndexOf('@') || at == trimmed.Length - 1
            || trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new CloudApiException(ProtocolErrorCode.InvalidField, "email is not an email address");
        }
        return trimmed.ToLowerInvariant();
    }

    private void CheckPassword(string? password)
    {
        var min = _options.Value.Accounts.MinPasswordLength;
        if (string.IsNullOrEmpty(password))
        {
            throw new CloudApiException(ProtocolErrorCode.MissingField, "password is required");
        }
        if (password.Length < min || password.Length > 256)
        {
            throw new CloudApiException(ProtocolErrorCode.InvalidField, $"password must be {min} to 256 characters");
        }
    }
}
