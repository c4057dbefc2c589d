using System.Collections;
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
        if (string.IsNullOrEmpty(did) || !Identifiers.IsValid(did.AsSpan()) || !IsClientIdOf(args.ClientId, did))
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
        args.SessionItems[DidItem] = did;
        args.ReasonCode = MqttConnectReasonCode.Success;
        return Task.CompletedTask;
    }

    /// <summary>The client id is the did, or the did, '.', and 1 to 22 characters of [A-Za-z0-9_-] (an extra connection).</summary>
    private static bool IsClientIdOf(string? clientId, string did)
    {
        if (clientId is null || !clientId.StartsWith(did, StringComparison.Ordinal))
        {
            return false;
        }
        if (clientId.Length == did.Length)
        {
            return true;
        }
        var suffix = clientId.AsSpan(did.Length);
        return suffix.Length is >= 2 and <= 23 && suffix[0] == '.' && Identifiers.IsValid(suffix[1..]);
    }

    private static string DidOf(IDictionary items) => items[DidItem] as string ?? string.Empty;

    private Task RefuseConnect(ValidatingConnectionEventArgs args, string who, string reason, MqttConnectReasonCode code)
    {
        _counters.Refuse(who, reason);
        args.ReasonCode = code;
        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        var did = DidOf(args.SessionItems);
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
        // The session to deliver welcome and down messages into, kept per connection.
        var endpoint = args.SessionItems[EndpointItem] as string ?? string.Empty;
        var entry = _keys.Find(did);
        while (entry is not null)
        {
            var link = _links.GetOrAdd(did, d => new Link(d, entry, _options, _time));
            if (link.Subscribed(args.ClientId, endpoint, args.Session, topic.Kind == TopicKind.DeviceWelcome, topic.Kind == TopicKind.DeviceDown))
            {
                return Task.CompletedTask;
            }
            _links.TryRemove(new KeyValuePair<string, Link>(did, link)); // ended meanwhile: start a new one
        }
        args.ProcessSubscription = false;
        args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        if (string.Equals(args.ClientId, BridgeClientId, StringComparison.Ordinal))
        {
            return; // the bridge's own retained state
        }
        var did = DidOf(args.SessionItems);
        var address = Topics.Parse(args.ApplicationMessage.Topic);
        if (address is not { } topic || !string.Equals(topic.Id, did, StringComparison.Ordinal))
        {
            RefusePublish(args, did, BridgeRefusals.ForeignPublish, MqttPubAckReasonCode.NotAuthorized);
            return;
        }
        switch (topic.Kind)
        {
            case TopicKind.DeviceAvailability:
                // Retained for whoever may read it (the cloud hears of it from the link); only the
                // two words, so the retained store cannot be filled with a device's junk.
                var payload = args.ApplicationMessage.Payload;
                if (!IsWord(payload, "online"u8) && !IsWord(payload, "offline"u8))
                {
                    RefusePublish(args, did, BridgeRefusals.BadAvailability, MqttPubAckReasonCode.PayloadFormatInvalid);
                }
                return;
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

    private static bool IsWord(System.Buffers.ReadOnlySequence<byte> payload, ReadOnlySpan<byte> word)
    {
        Span<byte> buffer = stackalloc byte[8];
        if (payload.Length != word.Length)
        {
            return false;
        }
        System.Buffers.BuffersExtensions.CopyTo(payload, buffer);
        return buffer[..word.Length].SequenceEqual(word);
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
        var did = args.SessionItems is { } items ? DidOf(items) : string.Empty;
        if (!_links.TryGetValue(did, out var link)
            || !link.Closed(args.ClientId, args.RemoteEndPoint?.ToString() ?? string.Empty))
        {
            return; // never subscribed, another connection of the did is still open, or one took this over
        }
        await EndLinkAsync(link, announce: true).ConfigureAwait(false);
    }
}
