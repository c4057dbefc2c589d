using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Broker;

// The connection loop: connect, subscribe, wait for the loss, back off, again.
public sealed partial class ExternalGatewayBroker
{
    private async Task RunAsync(MqttClientOptions clientOptions, CancellationToken stopping)
    {
        var backoff = ReconnectBackoff.CreateDefault();
        while (!stopping.IsCancellationRequested)
        {
            var lost = NewSignal();
            Volatile.Write(ref _connectionLost, lost);
            // The event of a disconnect we asked for may come late; it is not news once we retry.
            Volatile.Write(ref _closing, 0);
            try
            {
                var result = await _client.ConnectAsync(clientOptions, stopping).ConfigureAwait(false);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    await SubscribeAsync(result.SubscriptionIdentifiersAvailable, stopping).ConfigureAwait(false);
                    backoff.Reset();
                    Interlocked.Increment(ref _connections);
                    SetReady();
                    LogConnected(_logger, ClientId);
                    await lost.Task.WaitAsync(stopping).ConfigureAwait(false);
                }
                else
                {
                    LogConnectRefused(_logger, (int)result.ResultCode, result.ResultCode, result.ReasonString);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The loop is the last line: whatever fails is logged and retried, never thrown at the host.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogConnectFailed(_logger, exception.GetType().Name, exception.Message);
            }
            ClearReady();
            await DisconnectQuietlyAsync().ConfigureAwait(false);
            var delay = backoff.Next();
            LogRetrying(_logger, delay.TotalMilliseconds, backoff.Attempt);
            try
            {
                await Task.Delay(delay, _timeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        ClearReady();
        await DisconnectQuietlyAsync().ConfigureAwait(false);
        LogStopped(_logger, ClientId);
    }

    private async Task SubscribeAsync(bool identifiersAvailable, CancellationToken cancellationToken)
    {
        // Rebuilt from the retained availability the watch replays; missed changes made it stale.
        _knownOffline.Clear();
        if (_dynamicSecurity is not null)
        {
            await SubscribeAsync(MosquittoDynamicSecurity.ResponseTopic, ControlSubscription, MqttRetainHandling.DoNotSendOnSubscribe, identifiersAvailable, cancellationToken).ConfigureAwait(false);
        }
        await SubscribeAsync(Topics.SharedGatewaysUp, UpSubscription, MqttRetainHandling.DoNotSendOnSubscribe, identifiersAvailable, cancellationToken).ConfigureAwait(false);
        await SubscribeAsync(SharedGatewaysAvailability, PresenceSubscription, MqttRetainHandling.DoNotSendOnSubscribe, identifiersAvailable, cancellationToken).ConfigureAwait(false);
        if (identifiersAvailable)
        {
            await SubscribeAsync(Topics.AllGatewaysAvailability, PresenceWatchSubscription, MqttRetainHandling.SendAtSubscribe, identifiersAvailable, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Without identifiers the two availability subscriptions could not be told apart:
            // presence then comes from the shared one alone (this worker sees only its share).
            LogNoSubscriptionIdentifiers(_logger);
        }
    }

    private async Task SubscribeAsync(string filter, uint identifier, MqttRetainHandling retainHandling, bool identifiersAvailable, CancellationToken cancellationToken)
    {
        var builder = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS().WithRetainHandling(retainHandling));
        if (identifiersAvailable)
        {
            builder.WithSubscriptionIdentifier(identifier);
        }
        var result = await _client.SubscribeAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new InvalidOperationException(
                    $"The broker refused the subscription to {filter} (SUBACK 0x{(int)item.ResultCode:X2} {item.ResultCode}); "
                    + $"the cloud's user '{_options.Username}' needs it (docs/broker.md).");
            }
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        ClearReady();
        Volatile.Read(ref _connectionLost).TrySetResult();
        if (e.ClientWasConnected && Volatile.Read(ref _closing) == 0)
        {
            LogConnectionLost(_logger, e.Reason, e.ReasonString, e.Exception?.Message);
        }
        return Task.CompletedTask;
    }

    private async Task DisconnectQuietlyAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(DisconnectTimeout, _timeProvider);
        Volatile.Write(ref _closing, 1);
        try
        {
            var options = new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build();
            await _client.DisconnectAsync(options, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
        {
            LogDisconnectFailed(_logger, exception.Message);
        }
    }

    private void SetReady()
    {
        lock (_gate)
        {
            _ready.TrySetResult();
        }
    }

    private void ClearReady()
    {
        lock (_gate)
        {
            if (_ready.Task.IsCompleted)
            {
                _ready = NewSignal();
            }
        }
    }
}
