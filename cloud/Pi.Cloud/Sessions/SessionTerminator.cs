using Microsoft.Extensions.Logging;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Sessions;

/// <summary>
/// Ends sessions: the key stops being accepted at once, whatever awaited an answer fails, and the
/// broker drops the gateway's credentials and connection (unless a newer session took over).
/// </summary>
public sealed partial class SessionTerminator
{
    private readonly SessionRegistry _sessions;
    private readonly PendingReplies _pending;
    private readonly GatewayPresence _presence;
    private readonly DownLink _down;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionTerminator> _logger;

    public SessionTerminator(SessionRegistry sessions, PendingReplies pending, GatewayPresence presence, DownLink down, TimeProvider time, ILogger<SessionTerminator> logger)
    {
        _sessions = sessions;
        _pending = pending;
        _presence = presence;
        _down = down;
        _time = time;
        _logger = logger;
    }

    /// <summary>Ends <paramref name="session"/> (logout, reset-unbind, expiry). Idempotent.</summary>
    public async Task EndAsync(GatewaySession session, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var ended = _sessions.End(session);
        _pending.FailAll(session.Tid, ProtocolErrorCode.Offline, "the gateway's session ended");
        if (_sessions.Find(session.Tid) is not null)
        {
            return; // a newer login took over; its admission already replaced the old credentials
        }
        _presence.SetOnline(session.Tid, false, _time.GetUtcNow());
        if (ended)
        {
            LogEnded(_logger, session.Tid, session.KeyId, reason);
        }
        await _down.Broker.EvictAsync(session.Tid, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends every expired session.</summary>
    public async Task EndExpiredAsync(CancellationToken cancellationToken)
    {
        foreach (var session in _sessions.RemoveExpired())
        {
            await EndAsync(session, "expired", cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Session {KeyId} of {Tid} ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, string tid, uint keyId, string reason);
}
