using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Bridge;

/// <summary>One connection of a sub-device: its MQTT session and what it subscribed to.</summary>
internal sealed record LinkConnection(string Endpoint, MqttSessionStatus Session, bool Welcome, bool Down);

/// <summary>
/// One sub-device's link: its connections (normally one; a device may add connections whose client
/// id is its did followed by '.' and a suffix) and, after a hello, the link key's sealer and opener.
/// The link ends when its last connection closes.
/// </summary>
internal sealed class Link : IDisposable
{
    private readonly Lock _lock = new();
    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, LinkConnection> _connections = new(StringComparer.Ordinal);
    private EnvelopeOpener? _up;
    private EnvelopeSealer? _down;
    private double _tokens;
    private long _refilledAt;
    private bool _disposed;

    public Link(string did, SubDeviceEntry entry, BridgeOptions options, TimeProvider time)
    {
        Did = did;
        Entry = entry;
        _rate = options.RatePerSecond;
        _burst = options.RateBurst;
        _tokens = options.RateBurst;
        _time = time;
        _refilledAt = time.GetTimestamp();
    }

    public string Did { get; }

    public SubDeviceEntry Entry { get; }

    public uint KeyId { get; private set; }

    /// <summary>True once a hello was answered (announced online to the cloud).</summary>
    public bool IsLinked { get; private set; }

    /// <summary>Set once the link ended (so the cloud is told once).</summary>
    public int Ended;

    /// <summary>Records a subscription of one connection; false when the link already ended.</summary>
    public bool Subscribed(string clientId, string endpoint, MqttSessionStatus session, bool welcome, bool down)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }
            _connections[clientId] = _connections.TryGetValue(clientId, out var c) && c.Endpoint == endpoint
                ? c with { Welcome = c.Welcome || welcome, Down = c.Down || down }
                : new LinkConnection(endpoint, session, welcome, down);
            return true;
        }
    }

    /// <summary>Whether this connection (client id and endpoint) belongs to the link.</summary>
    public bool Has(string clientId, string endpoint)
    {
        lock (_lock)
        {
            return _connections.TryGetValue(clientId, out var c) && c.Endpoint == endpoint;
        }
    }

    /// <summary>Forgets a closed connection; true when it was the last one.</summary>
    public bool Closed(string clientId, string endpoint)
    {
        lock (_lock)
        {
            if (_connections.TryGetValue(clientId, out var c) && c.Endpoint == endpoint)
            {
                _connections.Remove(clientId);
            }
            return _connections.Count == 0;
        }
    }

    /// <summary>The client ids of its connections.</summary>
    public IReadOnlyList<string> ClientIds()
    {
        lock (_lock)
        {
            return [.. _connections.Keys];
        }
    }

    /// <summary>Enqueues a message into every connection subscribed to welcome (or down); false when none is.</summary>
    public bool Deliver(MqttApplicationMessage message, bool welcome)
    {
        List<MqttSessionStatus> targets;
        lock (_lock)
        {
            targets = [.. _connections.Values.Where(c => welcome ? c.Welcome : c.Down).Select(c => c.Session)];
        }
        var delivered = false;
        foreach (var session in targets)
        {
            delivered |= session.TryEnqueueApplicationMessage(message, out _);
        }
        return delivered;
    }

    /// <summary>A new link key from a hello; the previous one (if any) stops working at once.</summary>
    public void Rekey(SymmetricKey linkKey, uint keyId)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _up?.Dispose();
            _down?.Dispose();
            _up = new EnvelopeOpener(linkKey, keyId, Direction.SubDeviceToGateway, did: Did);
            _down = new EnvelopeSealer(linkKey, keyId, Direction.GatewayToSubDevice);
            KeyId = keyId;
            IsLinked = true;
        }
    }

    /// <summary>Opens an up-packet (throws <see cref="ProtocolException"/>); null when there is no link key yet.</summary>
    public SessionMessage? Open(ReadOnlySpan<byte> envelope)
    {
        lock (_lock)
        {
            return _up is null || _disposed ? null : _up.OpenMessage(envelope).Message;
        }
    }

    /// <summary>Seals a down-packet; null when there is no link key yet.</summary>
    public byte[]? Seal(SessionMessage message)
    {
        lock (_lock)
        {
            return _down is null || _disposed ? null : _down.Seal(message, null, Did);
        }
    }

    /// <summary>Takes one token of the per-device rate; false when the bucket is empty.</summary>
    public bool TryTake()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_refilledAt, now).TotalSeconds * _rate));
            _refilledAt = now;
            if (_tokens < 1)
            {
                return false;
            }
            _tokens -= 1;
            return true;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _up?.Dispose();
            _down?.Dispose();
            _up = null;
            _down = null;
        }
    }
}

/// <summary>Links: hello and welcome, up-packets into the queue, commands down and their answers back.</summary>
public sealed partial class LanBridge
{
    private async Task OnHelloAsync(string did, InterceptingPublishEventArgs args)
    {
        if (!_links.TryGetValue(did, out var link))
        {
            // A hello before subscribing: there is nowhere to send the welcome.
            _counters.Refuse(did, BridgeRefusals.NoLink);
            args.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
            return;
        }
        if (!link.TryTake())
        {
            // Each hello costs a key derivation and a welcome: it counts against the same rate.
            _counters.Refuse(did, BridgeRefusals.RateLimited);
            args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
            return;
        }
        LinkHello hello;
        try
        {
            hello = ProtocolJson.Deserialize<LinkHello>(args.ApplicationMessage.Payload.ToArray());
        }
        catch (ProtocolException)
        {
            _counters.Refuse(did, BridgeRefusals.BadHello);
            args.Response.ReasonCode = MqttPubAckReasonCode.PayloadFormatInvalid;
            return;
        }
        var gatewayNonce = RandomNumberGenerator.GetBytes(KeyDerivation.NonceSize);
        var keyId = Interlocked.Increment(ref _nextKeyId);
        var linkKey = KeyDerivation.DeriveLinkKey(link.Entry.Credentials.LocalKey, hello.Nonce, gatewayNonce, did);
        var wasLinked = link.IsLinked;
        link.Rekey(linkKey, keyId);
        var welcome = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.DeviceWelcome(did))
            .WithPayload(ProtocolJson.Serialize(new LinkWelcome(gatewayNonce, keyId)))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        if (!link.Deliver(welcome, welcome: true))
        {
            _counters.Refuse(did, BridgeRefusals.NoLink);
            args.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
            return;
        }
        await _keys.MarkLinkedAsync(link.Entry, CancellationToken.None).ConfigureAwait(false);
        if (!wasLinked)
        {
            await EnqueueAsync(new RelayItem(1, did, _time.GetUtcNow(), Availability: SubDeviceAvailability.Online), CancellationToken.None).ConfigureAwait(false);
            LogLinked(_logger, did, keyId);
            Linked?.Invoke(did);
        }
    }

    private async Task OnUpAsync(string did, InterceptingPublishEventArgs args)
    {
        if (!_links.TryGetValue(did, out var link))
        {
            _counters.Refuse(did, BridgeRefusals.NoLink);
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return;
        }
        if (!link.TryTake())
        {
            _counters.Refuse(did, BridgeRefusals.RateLimited);
            args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
            return;
        }
        var payload = args.ApplicationMessage.Payload;
        if (payload.Length > _options.RelayMaxBytes - 512)
        {
            _counters.Refuse(did, BridgeRefusals.FrameTooLarge);
            args.Response.ReasonCode = MqttPubAckReasonCode.PayloadFormatInvalid;
            return;
        }
        SessionMessage? message;
        try
        {
            message = link.Open(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray());
        }
        catch (ProtocolException e)
        {
            // Still acknowledged (section 10.1): a broken sender must not stall on its own packet.
            _counters.Refuse(did, ProtocolErrors.Name(e.Code));
            return;
        }
        switch (message)
        {
            case null:
                _counters.Refuse(did, BridgeRefusals.NoLink);
                args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
                return;
            case SessionRequest request:
                await EnqueueAsync(new RelayItem(1, did, _time.GetUtcNow(), request), args.CancellationToken).ConfigureAwait(false);
                _counters.Up();
                return;
            case SessionResponse or SessionError:
                var txn = message is SessionResponse r ? r.Txn : ((SessionError)message).Txn;
                if (txn is null || !_commands.TryRemove((did, txn), out var waiter))
                {
                    _counters.Refuse(did, BridgeRefusals.UnsolicitedAnswer);
                    return;
                }
                waiter.TrySetResult(message);
                return;
            default:
                _counters.Refuse(did, BridgeRefusals.UnexpectedMessage);
                return;
        }
    }

    private async Task EnqueueAsync(RelayItem item, CancellationToken cancellationToken)
    {
        // Stored as the relay item's JSON with a placeholder seq; the queue's seq replaces it when sent.
        var record = ProtocolJson.Serialize(item);
        await _queue.AppendAsync(record, cancellationToken).ConfigureAwait(false);
    }

    private async Task EndLinkAsync(Link link, bool announce)
    {
        if (Interlocked.Exchange(ref link.Ended, 1) == 1)
        {
            return;
        }
        _links.TryRemove(new KeyValuePair<string, Link>(link.Did, link));
        var wasLinked = link.IsLinked;
        link.Dispose();
        foreach (var key in _commands.Keys.Where(k => k.Did == link.Did).ToList())
        {
            if (_commands.TryRemove(key, out var waiter))
            {
                waiter.TrySetResult(new SessionResponse(key.Txn, false, Error: new ErrorInfo(ProtocolErrorCode.Offline, "the sub-device disconnected")));
            }
        }
        if (wasLinked && announce)
        {
            try
            {
                await EnqueueAsync(new RelayItem(1, link.Did, _time.GetUtcNow(), Availability: SubDeviceAvailability.Offline), CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // shutting down: the cloud learns from the gateway's own availability
            }
            LogUnlinked(_logger, link.Did);
            Unlinked?.Invoke(link.Did);
        }
    }

    private async Task<SessionMessage> CommandAsync(string did, SessionRequest request, CancellationToken cancellationToken)
    {
        if (!_links.TryGetValue(did, out var link) || !link.IsLinked)
        {
            return Error(request.Txn, ProtocolErrorCode.Offline, "the sub-device is not connected");
        }
        var waiter = new TaskCompletionSource<SessionMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_commands.TryAdd((did, request.Txn), waiter))
        {
            return Error(request.Txn, ProtocolErrorCode.InvalidField, "a command with this txn is already waiting for this sub-device");
        }
        try
        {
            var sealedRequest = link.Seal(request with { Did = null });
            var message = sealedRequest is null ? null : new MqttApplicationMessageBuilder()
                .WithTopic(Topics.DeviceDown(did))
                .WithPayload(sealedRequest)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            if (message is null || !link.Deliver(message, welcome: false))
            {
                return Error(request.Txn, ProtocolErrorCode.Offline, "the sub-device is not connected");
            }
            var answer = await waiter.Task.WaitAsync(_options.CommandTimeout, _time, cancellationToken).ConfigureAwait(false);
            return answer;
        }
        catch (TimeoutException)
        {
            return Error(request.Txn, ProtocolErrorCode.Timeout, $"the sub-device did not answer within {_options.CommandTimeout.TotalSeconds:0.#} s");
        }
        finally
        {
            _commands.TryRemove((did, request.Txn), out _);
        }
    }

    [LoggerMessage(EventId = 4330, Level = LogLevel.Information, Message = "Sub-device {Did} linked (link key {KeyId})")]
    private static partial void LogLinked(ILogger logger, string did, uint keyId);

    [LoggerMessage(EventId = 4331, Level = LogLevel.Information, Message = "Sub-device {Did} disconnected")]
    private static partial void LogUnlinked(ILogger logger, string did);
}
