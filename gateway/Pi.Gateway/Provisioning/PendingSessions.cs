using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// Answered searches waiting for the APP's TCP connection, keyed by the gateway public key the
/// APP's first stream frame carries (docs/protocol.md section 5, rules 1 and 3): at most
/// <c>capacity</c> (the oldest is dropped), each for at most <c>lifetime</c>. A pending session
/// serves one connection, and only a first frame that authenticates under it claims it, so a peer
/// that merely overheard the gateway public key cannot take it from the APP.
/// </summary>
internal sealed class PendingSessions(int capacity, TimeSpan lifetime, TimeProvider time) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PendingSession> _sessions = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Pending sessions now (expired ones included until the next access).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Adds an answered search; drops the oldest when full.</summary>
    public void Add(PendingSession session)
    {
        PendingSession? dropped = null;
        lock (_lock)
        {
            if (_disposed)
            {
                dropped = session;
            }
            else
            {
                Purge(time.GetTimestamp());
                if (_sessions.Count >= capacity)
                {
                    dropped = _sessions.Values.MinBy(s => s.CreatedAt);
                    _sessions.Remove(dropped!.GatewayKeyId);
                }
                _sessions[session.GatewayKeyId] = session;
            }
        }
        dropped?.Dispose();
    }

    /// <summary>
    /// Opens the first frame of a connection under the pending session its payload names and, if it
    /// authenticates, hands that session over (it is no longer pending).
    /// </summary>
    /// <exception cref="ProtocolException">
    /// <see cref="ProtocolErrorCode.SessionExpired"/> when no pending session has that key (unknown,
    /// used or expired), or the channel's error (authentication_failed, unexpected_frame ...), which
    /// leaves the pending session in place for the real APP.
    /// </exception>
    public PendingSession Claim(ProvisioningFrame frame, out byte[] plaintext)
    {
        if (frame.PayloadLength == 0)
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, "the first frame on a connection must carry the gateway public key of a deviceInfo");
        }
        var id = Convert.ToHexString(frame.PublicKey);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Purge(time.GetTimestamp());
            if (!_sessions.TryGetValue(id, out var session))
            {
                throw new ProtocolException(ProtocolErrorCode.SessionExpired, "no pending search for this gateway public key (unknown, used or expired): search again");
            }
            // A failed open changes nothing (the replay window moves only on success).
            plaintext = session.Stream.OpenPlaintext(frame);
            _sessions.Remove(id);
            return session;
        }
    }

    private void Purge(long now)
    {
        List<PendingSession>? expired = null;
        foreach (var session in _sessions.Values)
        {
            if (time.GetElapsedTime(session.CreatedAt, now) >= lifetime)
            {
                (expired ??= []).Add(session);
            }
        }
        foreach (var session in expired ?? [])
        {
            _sessions.Remove(session.GatewayKeyId);
            session.Dispose();
        }
    }

    /// <summary>Forgets every pending session (the gateway was provisioned: no new session may start).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var session in _sessions.Values)
            {
                session.Dispose();
            }
            _sessions.Clear();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var session in _sessions.Values)
            {
                session.Dispose();
            }
            _sessions.Clear();
        }
    }
}

/// <summary>
/// One answered search: the stream channel under its agreekey. The gateway key pair that made the
/// agreekey is already gone (it is needed for nothing else).
/// </summary>
internal sealed class PendingSession(string gatewayKeyId, string appKeyId, ProvisioningChannel stream, long createdAt) : IDisposable
{
    /// <summary>Hex of the gateway public key sent in deviceInfo.</summary>
    public string GatewayKeyId { get; } = gatewayKeyId;

    /// <summary>Hex of the APP public key of the search (the same APP holds it on reconnects).</summary>
    public string AppKeyId { get; } = appKeyId;

    /// <summary>The gateway's end of the TCP stream under this agreekey.</summary>
    public ProvisioningChannel Stream { get; } = stream;

    /// <summary>When the search was answered (a <see cref="TimeProvider"/> timestamp).</summary>
    public long CreatedAt { get; } = createdAt;

    public void Dispose() => Stream.Dispose();
}
