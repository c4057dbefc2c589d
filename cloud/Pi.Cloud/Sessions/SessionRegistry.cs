using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Pi.Cloud.Broker;
using Pi.Cloud.Options;
using Pi.Protocol.Crypto;

namespace Pi.Cloud.Sessions;

/// <summary>
/// The live sessions, at most one per gateway: a newer login replaces the older session, which
/// ends at once. Sessions live in memory: after a restart of the cloud every gateway's MQTT
/// connect is refused and it logs in again, so no sessionkey or replay window outlives the
/// process that issued it.
/// </summary>
public sealed class SessionRegistry : IGatewaySessionAuthority, IDisposable
{
    private readonly ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IOptions<CloudOptions> _options;

    public SessionRegistry(TimeProvider time, IOptions<CloudOptions> options)
    {
        _time = time;
        _options = options;
    }

    /// <summary>Live sessions now.</summary>
    public int Count => _sessions.Count;

    /// <summary>
    /// Starts a session for a gateway that just logged in: a random 128-bit sessionkey, a key id
    /// unlike the previous session's, and a random 256-bit token for MQTT. Returns the session, its
    /// key and token (for the login reply only), and the session it replaced, if any (already ended).
    /// </summary>
    public (GatewaySession Session, SymmetricKey Key, string Token, GatewaySession? Replaced) Start(string tid)
    {
        var now = _time.GetUtcNow();
        var key = SymmetricKey.Generate();
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        _sessions.TryGetValue(tid, out var previous);
        uint keyId;
        do
        {
            keyId = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
        }
        while (keyId == 0 || keyId == previous?.KeyId);
        var session = new GatewaySession(tid, keyId, key, token, now, now + _options.Value.Login.SessionLifetime);
        GatewaySession? replaced = null;
        _sessions.AddOrUpdate(tid, session, (_, old) =>
        {
            replaced = old;
            return session;
        });
        replaced?.End();
        return (session, key, token, replaced);
    }

    /// <summary>The live session of a gateway, if any.</summary>
    public GatewaySession? Find(string tid)
    {
        if (!_sessions.TryGetValue(tid, out var session))
        {
            return null;
        }
        // An expired session stays listed until the sweeper ends it and disconnects its gateway.
        return session.IsLive(_time.GetUtcNow()) ? session : null;
    }

    /// <summary>Ends <paramref name="session"/> if it is still the gateway's session. True when it ended now.</summary>
    public bool End(GatewaySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions.TryRemove(new KeyValuePair<string, GatewaySession>(session.Tid, session));
        return session.End();
    }

    /// <summary>Ends and removes every session that expired; returns them (for eviction from the broker).</summary>
    public IReadOnlyList<GatewaySession> RemoveExpired()
    {
        var now = _time.GetUtcNow();
        var expired = new List<GatewaySession>();
        foreach (var (_, session) in _sessions)
        {
            if (!session.IsLive(now))
            {
                End(session);
                expired.Add(session);
            }
        }
        return expired;
    }

    /// <inheritdoc />
    public bool IsValidSessionToken(string tid, ReadOnlySpan<byte> token) =>
        Find(tid) is { } session && session.MatchesToken(token);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, session) in _sessions)
        {
            session.Dispose();
        }
        _sessions.Clear();
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
