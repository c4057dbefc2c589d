using MQTTnet.Protocol;
using MQTTnet.Server;
using Pi.Protocol;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Bridge;

/// <summary>The broker's rules: who may connect, publish and subscribe (docs/protocol.md, section 10.1).</summary>
public sealed partial class LanBridge
{
    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        var did = args.UserName;
        if (string.IsNullOrEmpty(did) || !Identifiers.IsValid(did.AsSpan()) || !string.Equals(args.ClientId, did, StringComparison.Ordinal))
        {
            return RefuseConnect(args, did ?? args.ClientId ?? "?", BridgeRefusals.BadCredentials, MqttConnectReasonCode.BadUserNameOrPassword);
        }
        var entry = _keys.Find(did);
        if (entry is null)
        {
            return _keys.IsRevoked(did)
                ? RefuseConnect(args, did, BridgeRefusals.Revoked, MqttConnectReasonCode.NotAuthorized)
                : RefuseConnect(args, did, BridgeRefusals.BadCredentials, MqttConnectReasonCode.BadUserNameOrPassword);
        }
        if (args.RawPassword is not { Length: > 0 } password || !SubDeviceKeys.PasswordMatches(entry, password))
        {
            return RefuseConnect(args, did, BridgeRefusals.BadCredentials, MqttConnectReasonCode.BadUserNameOrPassword);
        }
        if (entry.Credentials.KeyExpiresAt <= _time.GetUtcNow())
        {
            return RefuseConnect(args, did, BridgeRefusals.KeyExpired, MqttConnectReasonCode.NotAuthorized);
        }
        if (!entry.LinkedBefore && !IsPairingOpen())
        {
            return RefuseConnect(args, did, BridgeRefusals.PairingClosed, MqttConnectReasonCode.NotAuthorized);
        }
        if (Volatile.Read(ref _connections) >= _options.MaxConnections && !_links.ContainsKey(did))
        {
            return RefuseConnect(args, did, BridgeRefusals.ServerBusy, MqttConnectReasonCode.ServerBusy);
        }
        args.SessionItems[EndpointItem] = args.RemoteEndPoint?.ToString() ?? string.Empty;
        args.ReasonCode = MqttConnectReasonCode.Success;
        return Task.CompletedTask;
    }

    private Task RefuseConnect(ValidatingConnectionEventArgs args, string who, string reason, MqttConnectReasonCode code)
    {
        _counters.Refuse(who, reason);
        args.ReasonCode = code;
        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        var did = args.ClientId;
        var filter = args.TopicFilter.Topic;
        if (string.Equals(filter, Topics.BridgeState, StringComparison.Ordinal) || string.Equals(filter, Topics.BridgePairing, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }
        var address = Topics.Parse(filter);
        if (address is not { } topic || !string.Equals(topic.Id, did, StringComparison.Ordinal)
            || topic.Kind is not (TopicKind.DeviceDown or TopicKind.DeviceWelcome))
        {
            _counters.Refuse(did, BridgeRefusals.ForeignSubscribe);
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            return Task.CompletedTask;
        }
        // The session to deliver welcome and down messages into, found once per connection.
        var endpoint = args.SessionItems[EndpointItem] as string ?? string.Empty;
        var current = _links.GetValueOrDefault(did);
        if (current is null || !string.Equals(current.Endpoint, endpoint, StringComparison.Ordinal))
        {
            var entry = _keys.Find(did);
            if (entry is null)
            {
                args.ProcessSubscription = false;
                args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
                return Task.CompletedTask;
            }
            var link = new Link(did, endpoint, entry, args.Session, _options, _time);
            _links.AddOrUpdate(did, link, (_, old) =>
            {
                old.Dispose();
                return link;
            });
        }
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        var did = args.ClientId;
        if (string.Equals(did, BridgeClientId, StringComparison.Ordinal))
        {
            return; // the bridge's own retained state
        }
        var address = Topics.Parse(args.ApplicationMessage.Topic);
        if (address is not { } topic || !string.Equals(topic.Id, did, StringComparison.Ordinal))
        {
            RefusePublish(args, did, BridgeRefusals.ForeignPublish, MqttPubAckReasonCode.NotAuthorized);
            return;
        }
        switch (topic.Kind)
        {
            case TopicKind.DeviceAvailability:
                return; // retained for whoever may read it; the cloud hears of it from the link
            case TopicKind.DeviceHello:
                args.ProcessPublish = false;
                await OnHelloAsync(did, args).ConfigureAwait(false);
                return;
            case TopicKind.DeviceUp:
                args.ProcessPublish = false;
                await OnUpAsync(did, args).ConfigureAwait(false);
                return;
            default:
                RefusePublish(args, did, BridgeRefusals.ForeignPublish, MqttPubAckReasonCode.NotAuthorized);
                return;
        }
    }

    private void RefusePublish(InterceptingPublishEventArgs args, string did, string reason, MqttPubAckReasonCode code)
    {
        _counters.Refuse(did, reason);
        args.ProcessPublish = false;
        args.Response.ReasonCode = code;
    }

    private async Task OnDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        Interlocked.Decrement(ref _connections);
        var did = args.ClientId;
        if (did is null || !_links.TryGetValue(did, out var link)
            || !string.Equals(link.Endpoint, args.RemoteEndPoint?.ToString() ?? string.Empty, StringComparison.Ordinal))
        {
            return; // never subscribed, or a newer connection of the same did took over
        }
        await EndLinkAsync(link, announce: true).ConfigureAwait(false);
    }
}
