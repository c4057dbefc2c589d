using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Pi.Gateway.Cloud;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Bridge;

/// <summary>
/// The relay pump: carries the offline queue to the cloud in <c>relay</c> messages while the session
/// channel is up. One relay is in flight at a time; what arrives meanwhile waits and travels in the
/// next one, so batches grow by themselves under load and stay at one item when it is quiet. Items
/// leave the queue only when the cloud acknowledged them; after a failure the same items (same seq)
/// are sent again and the cloud skips what it already handled.
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
                var records = await _queue.ReadAsync(0, _options.RelayMaxItems, _options.RelayMaxBytes, stopping).ConfigureAwait(false);
                var relay = BuildRelay(records, out var unreadable);
                if (relay is null)
                {
                    // Only unreadable records (a damaged queue): drop them, counted, and go on.
                    await _queue.AcknowledgeAsync(records[^1].Seq, 0, stopping).ConfigureAwait(false);
                    continue;
                }
                var acknowledged = await _cloud.RelayAsync(relay, _options.RelayAckTimeout, stopping).ConfigureAwait(false);
                if (!acknowledged)
                {
                    // Not connected any more, or no ack in time: wait for the channel to change
                    // (or the ack timeout) and send the same items again.
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    wait.CancelAfter(_options.RelayAckTimeout);
                    try
                    {
                        await _cloudSignal.WaitAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                    }
                    continue;
                }
                var last = records[^1].Seq;
                await _queue.AcknowledgeAsync(last, relay.Dropped, stopping).ConfigureAwait(false);
                _counters.Relayed(relay.Items.Count);
                if (relay.Dropped > 0)
                {
                    LogDroppedReported(_logger, relay.Dropped);
                }
                if (unreadable > 0)
                {
                    LogUnreadable(_logger, unreadable);
                }
                Relayed?.Invoke(last);
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

    private Relay? BuildRelay(IReadOnlyList<QueueRecord> records, out int unreadable)
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
        return new Relay("r" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), _queue.Stream, items, _queue.DroppedUnreported);
    }

    [LoggerMessage(EventId = 4340, Level = LogLevel.Warning, Message = "Told the cloud that the full offline queue dropped {Dropped} up-packets")]
    private static partial void LogDroppedReported(ILogger logger, long dropped);

    [LoggerMessage(EventId = 4341, Level = LogLevel.Error, Message = "Skipped {Count} unreadable records of the offline queue")]
    private static partial void LogUnreadable(ILogger logger, int count);

    [LoggerMessage(EventId = 4342, Level = LogLevel.Warning, Message = "The relay pump failed; retrying")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);
}
