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

    /// <summary>
    /// How long a gateway that logged out or was reset keeps its connection, so that the answer
    /// (ack, resetUnbindResult) and the acknowledgement of its own publish still reach it. Its key
    /// is refused from the first moment.
    /// </summary>
    public static readonly TimeSpan DisconnectGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Ends <paramref name="session"/> (logout, reset-unbind, expiry) at once; the broker
    /// connection is closed at once, or after <see cref="DisconnectGrace"/> when
    /// <paramref name="graceful"/>. Idempotent.
    /// </summary>
    public async Task EndAsync(GatewaySession session, string reason, CancellationToken cancellationToken, bool graceful = false)
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
        if (graceful)
        {
            _ = EvictLaterAsync(session.Tid);
            return;
        }
        await _down.Broker.EvictAsync(session.Tid, cancellationToken).ConfigureAwait(false);
    }

    private async Task EvictLaterAsync(string tid)
    {
        try
        {
            await Task.Delay(DisconnectGrace, _time).ConfigureAwait(false);
            if (_sessions.Find(tid) is null)
            {
                await _down.Broker.EvictAsync(tid, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogEvictFailed(_logger, tid, e);
        }
    }

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Disconnecting {Tid} failed")]
    private static partial void LogEvictFailed(ILogger logger, string tid, Exception exception);

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
