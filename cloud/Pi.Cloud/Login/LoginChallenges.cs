using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Pi.Cloud.Options;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Login;

/// <summary>
/// Single-use login challenges. A Pi has no real-time clock before it reaches a time server, so
/// login freshness comes from here: 16 random bytes, bound to one tid, valid for a short time,
/// consumed by the first login that presents them whatever its outcome. A challenge is issued for
/// any well-formed tid, known or not, so the endpoint does not reveal which tids exist.
/// </summary>
public sealed class LoginChallenges
{
    private readonly ConcurrentDictionary<string, (string Tid, DateTimeOffset ExpiresAt)> _outstanding = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IOptions<CloudOptions> _options;

    public LoginChallenges(TimeProvider time, IOptions<CloudOptions> options)
    {
        _time = time;
        _options = options;
    }

    /// <summary>Outstanding challenges.</summary>
    public int Count => _outstanding.Count;

    /// <summary>Issues a challenge for <paramref name="tid"/>; null when too many are outstanding.</summary>
    public LoginChallenge? Issue(string tid)
    {
        var now = _time.GetUtcNow();
        var login = _options.Value.Login;
        if (_outstanding.Count >= login.MaxOutstandingChallenges)
        {
            Sweep(now);
            if (_outstanding.Count >= login.MaxOutstandingChallenges)
            {
                return null;
            }
        }
        var challenge = RandomNumberGenerator.GetBytes(16);
        var expiresAt = now + login.ChallengeLifetime;
        _outstanding[Convert.ToBase64String(challenge)] = (tid, expiresAt);
        return new LoginChallenge(tid, challenge, expiresAt);
    }

    /// <summary>
    /// Consumes a challenge. True only when it was outstanding, issued to <paramref name="tid"/>
    /// and not expired; it is gone afterwards in every case.
    /// </summary>
    public bool Consume(string tid, ReadOnlySpan<byte> challenge)
    {
        if (challenge.Length != 16 || !_outstanding.TryRemove(Convert.ToBase64String(challenge), out var entry))
        {
            return false;
        }
        return string.Equals(entry.Tid, tid, StringComparison.Ordinal) && _time.GetUtcNow() < entry.ExpiresAt;
    }

    /// <summary>Drops expired challenges.</summary>
    public void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _outstanding)
        {
            if (entry.ExpiresAt <= now)
            {
                _outstanding.TryRemove(key, out _);
            }
        }
    }
}
