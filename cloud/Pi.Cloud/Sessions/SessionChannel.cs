using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pi.Cloud.Broker;
using Pi.Cloud.Operations;
using Pi.Cloud.Store;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Sessions;

/// <summary>
/// The cloud's end of every gateway's session channel: each up-packet is opened with that
/// session's key (refused and counted otherwise, never processed), handled, and answered sealed
/// under the same session. Handles heartbeat and state, relayed sub-device telemetry, command
/// replies, acknowledgements, key rotation acknowledgements, resetUnbind and logout.
/// </summary>
public sealed partial class SessionChannel : IGatewayTraffic
{
    /// <summary>Gateway commands the cloud answers.</summary>
    public const string HeartbeatCommand = "heartbeat", StateCommand = "state", TelemetryCommand = "telemetry";

    private readonly SessionRegistry _sessions;
    private readonly SessionTerminator _terminator;
    private readonly PendingReplies _pending;
    private readonly GatewayPresence _presence;
    private readonly SubDeviceDirectory _subDevices;
    private readonly GatewaySync _sync;
    private readonly DownLink _down;
    private readonly ICloudStore _store;
    private readonly CloudMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionChannel> _logger;

    public SessionChannel(
        SessionRegistry sessions,
        SessionTerminator terminator,
        PendingReplies pending,
        GatewayPresence presence,
        SubDeviceDirectory subDevices,
        GatewaySync sync,
        DownLink down,
        ICloudStore store,
        CloudMetrics metrics,
        TimeProvider time,
        ILogger<SessionChannel> logger)
    {
        _sessions = sessions;
        _terminator = terminator;
        _pending = pending;
        _presence = presence;
        _subDevices = subDevices;
        _sync = sync;
        _down = down;
        _store = store;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public async ValueTask OnUpAsync(string tid, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var session = _sessions.Find(tid);
        if (session is null)
        {
            Refuse(tid, "no_session");
            return;
        }
        Protocol.Envelopes.EnvelopeHeader header;
        SessionMessage message;
        try
        {
            (header, message) = session.Open(payload.Span, now);
        }
        catch (ProtocolException e)
        {
            Refuse(tid, ProtocolErrors.Name(e.Code));
            return;
        }
        _metrics.PacketIn();
        try
        {
            if (_presence.Seen(tid, now))
            {
                await _store.TouchGatewayAsync(tid, now, cancellationToken).ConfigureAwait(false);
            }
            if (header.Did is { } did)
            {
                await HandleSubDeviceAsync(session, did, message, now, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await HandleGatewayAsync(session, message, now, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store or broker failed: answer what can be answered, keep serving.
            LogHandlingFailed(_logger, tid, message.GetType().Name, e);
            // A relay is not acknowledged: the gateway keeps its items and sends them again.
            if (TxnOf(message) is { } txn && message is SessionRequest or ResetUnbind or Logout or Relay)
            {
                await TrySendAsync(session, new SessionError(txn, ProtocolErrorCode.Internal, "the cloud could not handle this message"), header.Did, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask OnPresenceAsync(string tid, bool online, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        _presence.SetOnline(tid, online, now);
        if (!online)
        {
            return;
        }
        if (_sessions.Find(tid) is { } session)
        {
            try
            {
                await _sync.PushOutstandingAsync(session, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                LogHandlingFailed(_logger, tid, "presence", e);
            }
        }
    }

    private async Task HandleGatewayAsync(GatewaySession session, SessionMessage message, DateTimeOffset now, CancellationToken ct)
    {
        var tid = session.Tid;
        switch (message)
        {
            case SessionRequest { Command: HeartbeatCommand } request:
                await TrySendAsync(session, Ok(request.Txn, JsonSerializer.SerializeToElement(new ServerTime(now), CloudJsonContext.Default.ServerTime)), null, ct).ConfigureAwait(false);
                break;
            case SessionRequest { Command: StateCommand } request:
                _presence.SetState(tid, request.Args, now);
                await TrySendAsync(session, Ok(request.Txn), null, ct).ConfigureAwait(false);
                break;
            case SessionRequest request:
                await TrySendAsync(session, UnknownCommand(request), null, ct).ConfigureAwait(false);
                break;
            case SessionResponse or SessionError or Ack or KeyRotationAck:
                await CompleteAsync(session, message, ct).ConfigureAwait(false);
                break;
            case Relay relay:
                await HandleRelayAsync(session, relay, now, ct).ConfigureAwait(false);
                break;
            case ResetUnbind reset:
                var removed = await _store.ResetUnbindAsync(tid, ct).ConfigureAwait(false);
                _subDevices.InvalidateGateway(tid);
                LogResetUnbind(_logger, tid, removed);
                await TrySendAsync(session, new ResetUnbindResult(reset.Txn, removed), null, ct).ConfigureAwait(false);
                await _terminator.EndAsync(session, "reset-unbind", ct, graceful: true).ConfigureAwait(false);
                break;
            case Logout logout:
                await TrySendAsync(session, new Ack(logout.Txn), null, ct).ConfigureAwait(false);
                await _terminator.EndAsync(session, "logout", ct, graceful: true).ConfigureAwait(false);
                break;
            default:
                Refuse(tid, "unexpected_message");
                await TrySendAsync(session, new SessionError(TxnOf(message), ProtocolErrorCode.UnexpectedMessage, "a gateway does not send this message"), null, ct).ConfigureAwait(false);
                break;
        }
    }

    private async Task HandleSubDeviceAsync(GatewaySession session, string did, SessionMessage message, DateTimeOffset now, CancellationToken ct)
    {
        if (!await _subDevices.BelongsToAsync(did, session.Tid, ct).ConfigureAwait(false))
        {
            Refuse(session.Tid, "foreign_did");
            await TrySendAsync(session, new SessionError(TxnOf(message), ProtocolErrorCode.UnknownDevice, "no such sub-device under this gateway"), did, ct).ConfigureAwait(false);
            return;
        }
        switch (message)
        {
            case SessionRequest { Command: TelemetryCommand } request:
                await _store.RecordSubDeviceActivityAsync(session.Tid, new SubDeviceActivity(did, now, true, request.Args?.GetRawText()), ct).ConfigureAwait(false);
                _presence.RecordTelemetry(session.Tid, did, request.Args, now);
                await TrySendAsync(session, Ok(request.Txn), did, ct).ConfigureAwait(false);
                break;
            case SessionRequest request:
                await TrySendAsync(session, UnknownCommand(request), did, ct).ConfigureAwait(false);
                break;
            case SessionResponse or SessionError:
                await CompleteAsync(session, message, ct).ConfigureAwait(false);
                break;
            default:
                Refuse(session.Tid, "unexpected_message");
                await TrySendAsync(session, new SessionError(TxnOf(message), ProtocolErrorCode.UnexpectedMessage, "a sub-device does not send this message"), did, ct).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// A relay (protocol.md section 9): a relay with <c>after</c> above the cursor (sent behind one
    /// that was not handled) is refused whole; otherwise the items above the gateway's cursor for the relay's stream
    /// are recorded, in one store transaction with the new cursor and the dropped total, then
    /// announced in memory and acknowledged. Items at or below the cursor are duplicates; an item of
    /// a did that is not this gateway's is refused (foreign_did) without failing the rest; a
    /// sub-device request other than telemetry is an unknown notification and a response or error is
    /// an ignored answer: both only count as the sub-device being seen.
    /// </summary>
    private async Task HandleRelayAsync(GatewaySession session, Relay relay, DateTimeOffset now, CancellationToken ct)
    {
        var tid = session.Tid;
        var items = relay.Items;
        var owned = await _subDevices.OwnedAmongAsync(tid, items.Select(i => i.Did), ct).ConfigureAwait(false);
        var entries = new RelayEntry[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            entries[i] = new RelayEntry(item.Seq, !owned.Contains(item.Did) ? null : item switch
            {
                { Availability: { } availability } => new SubDeviceActivity(item.Did, item.At, Online: availability == SubDeviceAvailability.Online),
                { Message: SessionRequest { Command: TelemetryCommand } request } => new SubDeviceActivity(item.Did, item.At, true, request.Args?.GetRawText()),
                _ => new SubDeviceActivity(item.Did, item.At),
            });
        }

        var applied = await _store.ApplyRelayAsync(tid, relay.Stream, entries, relay.Dropped, relay.After, now, ct).ConfigureAwait(false);
        if (applied.OutOfOrder)
        {
            // An earlier relay of this stream was refused or failed (or is not handled yet): nothing
            // after it is handled until the gateway sends again from its first unacknowledged item.
            Refuse(tid, "relay_out_of_order");
            await TrySendAsync(session, new SessionError(relay.Txn, ProtocolErrorCode.UnexpectedMessage, "an earlier relay was not handled: send again from the first unacknowledged item"), null, ct).ConfigureAwait(false);
            return;
        }

        // Committed: now tell the live views, count, and acknowledge.
        long handled = 0, foreign = 0, notifications = 0, answers = 0;
        for (var i = applied.Skipped; i < items.Count; i++)
        {
            var item = items[i];
            if (entries[i].Activity is null)
            {
                foreign++;
                continue;
            }

            switch (item)
            {
                case { Availability: { } availability }:
                    _presence.RecordAvailability(tid, item.Did, availability == SubDeviceAvailability.Online);
                    handled++;
                    break;
                case { Message: SessionRequest { Command: TelemetryCommand } request }:
                    _presence.RecordTelemetry(tid, item.Did, request.Args, item.At);
                    handled++;
                    break;
                case { Message: SessionRequest }:
                    notifications++;
                    break;
                default:
                    answers++;
                    break;
            }
        }

        _metrics.Relay();
        _metrics.RelayItems(CloudMetrics.RelayHandled, handled);
        _metrics.RelayItems(CloudMetrics.RelayDuplicate, applied.Skipped);
        _metrics.RelayItems(CloudMetrics.RelayForeignDid, foreign);
        _metrics.RelayItems(CloudMetrics.RelayUnknownNotification, notifications);
        _metrics.RelayItems(CloudMetrics.RelayIgnoredAnswer, answers);
        if (foreign > 0)
        {
            _metrics.Refused("foreign_did", CloudMetrics.SourceMqtt, foreign);
            LogRelayForeign(_logger, tid, foreign);
        }
        if (applied.NewStream)
        {
            LogRelayNewStream(_logger, tid);
        }
        if (applied.Lost > 0)
        {
            _metrics.RelayDropped(applied.Lost);
            LogRelayDropped(_logger, tid, applied.Lost, applied.DroppedTotal);
        }
        await TrySendAsync(session, new Ack(relay.Txn), null, ct).ConfigureAwait(false);
    }

    private async Task CompleteAsync(GatewaySession session, SessionMessage answer, CancellationToken ct)
    {
        var pending = TxnOf(answer) is { } txn ? _pending.Take(session.Tid, txn) : null;
        if (pending is null)
        {
            Refuse(session.Tid, "unsolicited_answer");
            return;
        }
        switch (pending.Kind, answer)
        {
            case (PendingKind.SubDeviceAdded or PendingKind.SubDeviceRemoved, Ack) when pending.Did is { } did:
                await _store.AcknowledgeSubDeviceAsync(did, ct).ConfigureAwait(false);
                _subDevices.Invalidate(did);
                break;
            case (PendingKind.KeyRotation, KeyRotationAck ack) when ack.KeyId == pending.KeyId:
                var promoted = await _store.PromoteKeyPairAsync(session.Tid, ack.KeyId, ct).ConfigureAwait(false);
                LogKeyRotated(_logger, session.Tid, ack.KeyId, promoted);
                break;
            case (PendingKind.Command, SessionResponse or SessionError):
                break;
            case (_, SessionError error):
                LogGatewayError(_logger, session.Tid, pending.Kind, error.Code);
                break;
            default:
                Refuse(session.Tid, "unexpected_message");
                pending.Completion.TrySetException(new ProtocolException(ProtocolErrorCode.UnexpectedMessage, "the gateway answered with the wrong message"));
                return;
        }
        pending.Completion.TrySetResult(answer);
    }

    private async Task TrySendAsync(GatewaySession session, SessionMessage message, string? did, CancellationToken ct)
    {
        try
        {
            if (!await _down.SendAsync(session, message, did, ct).ConfigureAwait(false))
            {
                LogNotDelivered(_logger, session.Tid, message.GetType().Name);
            }
        }
        catch (ProtocolException e)
        {
            // The session ended in between (logout, newer login): nothing more goes out under it.
            LogNotSent(_logger, session.Tid, e.Code);
        }
    }

    private void Refuse(string tid, string reason)
    {
        _metrics.Refused(reason, "mqtt");
        LogRefused(_logger, tid, reason);
    }

    private static SessionResponse Ok(string txn, JsonElement? result = null) => new(txn, true, result);

    private static SessionResponse UnknownCommand(SessionRequest request) =>
        new(request.Txn, false, Error: new ErrorInfo(ProtocolErrorCode.UnknownCommand, "the cloud does not know this command"));

    internal static string? TxnOf(SessionMessage message) => message switch
    {
        SessionRequest m => m.Txn,
        SessionResponse m => m.Txn,
        ResetUnbind m => m.Txn,
        ResetUnbindResult m => m.Txn,
        SubDeviceAdded m => m.Txn,
        SubDeviceRemoved m => m.Txn,
        KeyRotation m => m.Txn,
        KeyRotationAck m => m.Txn,
        Ack m => m.Txn,
        Logout m => m.Txn,
        SessionError m => m.Txn,
        Relay m => m.Txn,
        _ => null,
    };

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Refused an up-packet from {Tid}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string tid, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Handling {Message} from {Tid} failed")]
    private static partial void LogHandlingFailed(ILogger logger, string tid, string message, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Reset-unbind of {Tid}: {Removed} bindings removed")]
    private static partial void LogResetUnbind(ILogger logger, string tid, int removed);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Key rotation of {Tid} to key {KeyId} acknowledged (switched: {Promoted})")]
    private static partial void LogKeyRotated(ILogger logger, string tid, uint keyId, bool promoted);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Gateway {Tid} answered {Kind} with error {Code}")]
    private static partial void LogGatewayError(ILogger logger, string tid, PendingKind kind, ProtocolErrorCode code);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Debug, Message = "Not sent to {Tid}: {Code}")]
    private static partial void LogNotSent(ILogger logger, string tid, ProtocolErrorCode code);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Relay from {Tid}: {Count} items for sub-devices that are not this gateway's were skipped")]
    private static partial void LogRelayForeign(ILogger logger, string tid, long count);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Relay from {Tid}: its queue dropped {Dropped} up-packets ({Total} in all)")]
    private static partial void LogRelayDropped(ILogger logger, string tid, long dropped, long total);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Relay from {Tid} starts a new stream; its cursor restarts")]
    private static partial void LogRelayNewStream(ILogger logger, string tid);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Not delivered to {Tid}: {What}")]
    private static partial void LogNotDelivered(ILogger logger, string tid, string what);
}

/// <summary>The answer to a heartbeat: the cloud's clock (a Pi may have no real-time clock).</summary>
public sealed record ServerTime(DateTimeOffset Now);
