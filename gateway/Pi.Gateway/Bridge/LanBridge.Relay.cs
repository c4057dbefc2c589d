using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Pi.Gateway.Cloud;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Bridge;

/// <summary>
/// The relay pump: carries the offline queue to the cloud in <c>relay</c> messages while the session
/// channel is up. Up to <see cref="BridgeOptions.RelayWindow"/> relays are in flight at once, each
/// with the records that follow the previous one; what arrives while the window is full waits and
/// travels in the next one, so batches grow by themselves under load and stay at one item when it is
/// quiet. Acks are applied in order, and items leave the queue only when the cloud acknowledged them.
/// Every relay but the first of a run names the last item sent before it (<c>after</c>): the cloud
/// handles it only when it handled that one, so a relay it could not handle stops the rest. After any
/// failure the pump lets the relays in flight settle and starts again from the first unacknowledged
/// item (same seq); the cloud skips what it already handled.
/// </summary>
public sealed partial class LanBridge
{
    private async Task PumpAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!_cloud.IsConnected)
                {
                    await _cloudSignal.WaitAsync(stopping).ConfigureAwait(false);
                    continue;
                }
                await RelayRunAsync(stopping).ConfigureAwait(false);

                // A relay failed: not connected any more, no ack in time, or refused. Wait for the
                // channel to change (or the ack timeout) and send again from the first unacknowledged item.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                wait.CancelAfter(_options.RelayAckTimeout);
                try
                {
                    await _cloudSignal.WaitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                LogPumpFailed(_logger, e);
                try
                {
                    await Task.Delay(_options.RelayAckTimeout, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// One run of the pump, from the first unacknowledged record; returns once a relay failed and
    /// the others in flight settled.
    /// </summary>
    private async Task RelayRunAsync(CancellationToken stopping)
    {
        var window = _options.RelayWindow;
        var inFlight = new Queue<InFlightRelay>(window);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Task<IReadOnlyList<QueueRecord>>? read = null;
        long lastRead = 0;          // the last record taken from the queue in this run
        long? lastItemSent = null;  // the last item sent to the cloud in this run
        var droppedInFlight = false;
        try
        {
            while (true)
            {
                if (read is null && inFlight.Count < window)
                {
                    read = _queue.ReadAsync(lastRead, _options.RelayMaxItems, _options.RelayMaxBytes, reading.Token).AsTask();
                }
                if (read is null)
                {
                    await AwaitQuietly(inFlight.Peek().Acked).ConfigureAwait(false);
                }
                else if (inFlight.Count > 0)
                {
                    await Task.WhenAny(read, inFlight.Peek().Acked).ConfigureAwait(false);
                }
                else
                {
                    await AwaitQuietly(read).ConfigureAwait(false);
                }

                // Acks in order: the oldest first, and nothing after one that failed.
                while (inFlight.Count > 0 && inFlight.Peek().Acked.IsCompleted)
                {
                    var done = inFlight.Dequeue();
                    if (!await done.Acked.ConfigureAwait(false))
                    {
                        await SettleAsync(inFlight).ConfigureAwait(false);
                        return;
                    }
                    await AcknowledgedAsync(done, stopping).ConfigureAwait(false);
                    if (done.Dropped > 0)
                    {
                        droppedInFlight = false;
                    }
                }

                if (read is { IsCompleted: true } && inFlight.Count < window)
                {
                    var records = await read.ConfigureAwait(false);
                    read = null;
                    lastRead = records[^1].Seq;
                    // Dropped records are reported by one relay at a time: never twice.
                    var relay = BuildRelay(records, droppedInFlight ? 0 : _queue.DroppedUnreported, lastItemSent, out var unreadable);
                    if (relay is null)
                    {
                        // Only unreadable records (a damaged queue): dropped, counted, in their turn.
                        inFlight.Enqueue(new InFlightRelay(Task.FromResult(true), lastRead, 0, 0, unreadable));
                        continue;
                    }
                    droppedInFlight |= relay.Dropped > 0;
                    lastItemSent = relay.Items[^1].Seq;
                    inFlight.Enqueue(new InFlightRelay(_cloud.RelayAsync(relay, _options.RelayAckTimeout, stopping), lastRead, relay.Dropped, relay.Items.Count, unreadable));
                }
            }
        }
        finally
        {
            await reading.CancelAsync().ConfigureAwait(false);
            if (read is not null)
            {
                await AwaitQuietly(read).ConfigureAwait(false);
            }
        }
    }

    private async Task AcknowledgedAsync(InFlightRelay done, CancellationToken stopping)
    {
        await _queue.AcknowledgeAsync(done.LastSeq, done.Dropped, stopping).ConfigureAwait(false);
        if (done.Items > 0)
        {
            _counters.Relayed(done.Items);
        }
        if (done.Dropped > 0)
        {
            LogDroppedReported(_logger, done.Dropped);
        }
        if (done.Unreadable > 0)
        {
            LogUnreadable(_logger, done.Unreadable);
        }
        Relayed?.Invoke(done.LastSeq);
    }

    /// <summary>Waits for the relays still in flight after one failed; their acks are not applied (the run starts again before them).</summary>
    private static async Task SettleAsync(Queue<InFlightRelay> inFlight)
    {
        while (inFlight.TryDequeue(out var rest))
        {
            await AwaitQuietly(rest.Acked).ConfigureAwait(false);
        }
    }

    private static async Task AwaitQuietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Relay? BuildRelay(IReadOnlyList<QueueRecord> records, long dropped, long? after, out int unreadable)
    {
        unreadable = 0;
        var items = new List<RelayItem>(records.Count);
        foreach (var record in records)
        {
            try
            {
                var item = ProtocolJson.Deserialize<RelayItem>(record.Data.Span);
                items.Add(item with { Seq = record.Seq });
            }
            catch (ProtocolException)
            {
                unreadable++;
            }
        }
        if (items.Count == 0)
        {
            return null;
        }
        return new Relay("r" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), _queue.Stream, items, dropped, after);
    }

    /// <summary>A relay sent and not yet settled: its ack, the last queue record it covers, and what it carried.</summary>
    private sealed record InFlightRelay(Task<bool> Acked, long LastSeq, long Dropped, int Items, int Unreadable);

    [LoggerMessage(EventId = 4340, Level = LogLevel.Warning, Message = "Told the cloud that the full offline queue dropped {Dropped} up-packets")]
    private static partial void LogDroppedReported(ILogger logger, long dropped);

    [LoggerMessage(EventId = 4341, Level = LogLevel.Error, Message = "Skipped {Count} unreadable records of the offline queue")]
    private static partial void LogUnreadable(ILogger logger, int count);

    [LoggerMessage(EventId = 4342, Level = LogLevel.Warning, Message = "The relay pump failed; retrying")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);
}
