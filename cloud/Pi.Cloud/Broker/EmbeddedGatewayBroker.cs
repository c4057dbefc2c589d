using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.AspNetCore;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pi.Cloud.Operations;
using Pi.Cloud.Options;
using Pi.Protocol;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Broker;

/// <summary>
/// The embedded MQTTnet broker for gateway sessions, served by Kestrel (so it shares the TLS
/// certificate and port handling of the API). Every connection is a gateway: username = tid =
/// client id, password = its live session token. A gateway may publish only its own up and
/// availability topics and subscribe only its own down topic. Up-traffic is taken in-process
/// where it arrives and never routed; down-traffic is enqueued straight into the gateway's own
/// MQTT session, so a command costs the same however many gateways are connected.
/// </summary>
public sealed partial class EmbeddedGatewayBroker : IGatewayBroker, IHostedService, IDisposable
{
    private const string EndpointItem = "pi.endpoint";

    private readonly MqttServer _server;
    private readonly IGatewaySessionAuthority _authority;
    private readonly IGatewayTraffic _traffic;
    private readonly CloudMetrics _metrics;
    private readonly ILogger<EmbeddedGatewayBroker> _logger;
    private readonly ConcurrentDictionary<string, (string Endpoint, MqttSessionStatus Session)> _down = new(StringComparer.Ordinal);
    private readonly int _maxConnections;
    private int _connections;

    public EmbeddedGatewayBroker(
        MqttConnectionHandler connectionHandler,
        IGatewaySessionAuthority authority,
        IGatewayTraffic traffic,
        CloudMetrics metrics,
        IOptions<CloudOptions> options,
        ILogger<EmbeddedGatewayBroker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _authority = authority;
        _traffic = traffic;
        _metrics = metrics;
        _logger = logger;
        _maxConnections = options.Value.Mqtt.MaxConnections;
        var serverOptions = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithPersistentSessions(false)
            .WithMaxPendingMessagesPerClient(1000)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions, [connectionHandler]);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.ClientSubscribedTopicAsync += OnSubscribedAsync;
        _server.ClientConnectedAsync += _ =>
        {
            Interlocked.Increment(ref _connections);
            return Task.CompletedTask;
        };
        _server.ClientDisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>Gateway connections open now.</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Gateways connected and subscribed to their down topic.</summary>
    public int ConnectedCount => _down.Count;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => _server.StartAsync();

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) =>
        _server.StopAsync(new MqttServerStopOptions());

    /// <inheritdoc />
    public async Task AdmitAsync(string tid, string sessionToken, CancellationToken cancellationToken)
    {
        // Credentials are checked at connect time against the session registry, which already
        // holds the new session: only a connection made under an older session has to go.
        await DisconnectAsync(tid, MqttDisconnectReasonCode.SessionTakenOver).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task EvictAsync(string tid, CancellationToken cancellationToken) =>
        DisconnectAsync(tid, MqttDisconnectReasonCode.NotAuthorized);

    /// <inheritdoc />
    public ValueTask<bool> SendDownAsync(string tid, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken)
    {
        if (!_down.TryGetValue(tid, out var target))
        {
            return ValueTask.FromResult(false);
        }
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.GatewayDown(tid))
            .WithPayload(envelope.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return ValueTask.FromResult(target.Session.TryEnqueueApplicationMessage(message, out _));
    }

    /// <inheritdoc />
    public void Dispose() => _server.Dispose();

    private async Task DisconnectAsync(string tid, MqttDisconnectReasonCode reason)
    {
        _down.TryRemove(tid, out _);
        try
        {
            await _server.DisconnectClientAsync(tid, new MqttServerClientDisconnectOptions { ReasonCode = reason, ReasonString = "session ended" }).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // not connected
        }
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        var tid = args.UserName;
        if (string.IsNullOrEmpty(tid) || !Identifiers.IsValid(tid.AsSpan()) || args.RawPassword is not { Length: > 0 } password
            || !_authority.IsValidSessionToken(tid, password))
        {
            Refuse(BrokerRefusals.BadCredentials, args.ClientId);
            args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            return Task.CompletedTask;
        }
        if (Volatile.Read(ref _connections) >= _maxConnections && !_down.ContainsKey(tid))
        {
            // A gateway that is already connected may take its own connection over.
            Refuse(BrokerRefusals.ServerBusy, tid);
            args.ReasonCode = MqttConnectReasonCode.ServerBusy;
            return Task.CompletedTask;
        }
        if (!string.Equals(args.ClientId, tid, StringComparison.Ordinal))
        {
            Refuse(BrokerRefusals.BadClientId, tid);
            args.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            return Task.CompletedTask;
        }
        args.SessionItems[EndpointItem] = args.RemoteEndPoint?.ToString() ?? string.Empty;
        args.ReasonCode = MqttConnectReasonCode.Success;
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        // Nothing a gateway publishes is routed to other clients.
        args.ProcessPublish = false;
        var tid = args.ClientId;
        var topic = Topics.Parse(args.ApplicationMessage.Topic);
        if (topic is not { } address || !string.Equals(address.Id, tid, StringComparison.Ordinal)
            || address.Kind is not (TopicKind.GatewayUp or TopicKind.GatewayAvailability))
        {
            Refuse(BrokerRefusals.ForeignPublish, tid);
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return;
        }
        var payload = args.ApplicationMessage.Payload.ToArray();
        if (address.Kind == TopicKind.GatewayUp)
        {
            await _traffic.OnUpAsync(tid, payload, args.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            var online = payload.AsSpan().SequenceEqual("online"u8);
            await _traffic.OnPresenceAsync(tid, online, args.CancellationToken).ConfigureAwait(false);
        }
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        var tid = args.ClientId;
        if (!string.Equals(args.TopicFilter.Topic, Topics.GatewayDown(tid), StringComparison.Ordinal))
        {
            Refuse(BrokerRefusals.ForeignSubscribe, tid);
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            return Task.CompletedTask;
        }
        var endpoint = args.SessionItems[EndpointItem] as string ?? string.Empty;
        _down[tid] = (endpoint, args.Session);
        return Task.CompletedTask;
    }

    private async Task OnSubscribedAsync(ClientSubscribedTopicEventArgs args)
    {
        if (_down.ContainsKey(args.ClientId))
        {
            await _traffic.OnPresenceAsync(args.ClientId, true, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task OnDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        Interlocked.Decrement(ref _connections);
        var tid = args.ClientId;
        if (tid is null || !_down.TryGetValue(tid, out var entry) || !string.Equals(entry.Endpoint, args.RemoteEndPoint?.ToString() ?? string.Empty, StringComparison.Ordinal))
        {
            return; // not subscribed, or a newer connection of the same gateway already took over
        }
        if (_down.TryRemove(new KeyValuePair<string, (string, MqttSessionStatus)>(tid, entry)))
        {
            await _traffic.OnPresenceAsync(tid, false, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private void Refuse(string reason, string? clientId)
    {
        _metrics.Refused(reason, "mqtt");
        LogRefused(_logger, clientId ?? "", reason);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "MQTT refused for client {ClientId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string clientId, string reason);
}
