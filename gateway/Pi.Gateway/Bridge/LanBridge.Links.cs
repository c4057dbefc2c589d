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

/// <summary>One sub-device connection: its MQTT session and, after its hello, the link key's sealer and opener.</summary>
internal sealed class Link : IDisposable
{
    private readonly Lock _lock = new();
    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private EnvelopeOpener? _up;
    private EnvelopeSealer? _down;
    private double _tokens;
    private long _refilledAt;
    private bool _disposed;

    public Link(string did, string endpoint, SubDeviceEntry entry, MqttSessionStatus session, BridgeOptions options, TimeProvider time)
    {
        Did = did;
        Endpoint = endpoint;
        Entry = entry;
        Session = session;
        _rate = options.RatePerSecond;
        _burst = options.RateBurst;
        _tokens = options.RateBurst;
        _time = time;
        _refilledAt = time.GetTimestamp();
    }

    public string Did { get; }

    public string Endpoint { get; }

    public SubDeviceEntry Entry { get; }

    public MqttSessionStatus Session { get; }

    public uint KeyId { get; private set; }

    /// <summary>True once a hello was answered (announced online to the cloud).</summary>
    public bool IsLinked { get; private set; }

    /// <summary>Set once the cloud was told this link is offline (so it is told once).</summary>
    public int Ended;

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
        var endpoint = args.SessionItems[EndpointItem] as string ?? string.Empty;
        if (!_links.TryGetValue(did, out var link) || !string.Equals(link.Endpoint, endpoint, StringComparison.Ordinal))
        {
            // A hello before subscribing: there is nowhere to send the welcome.
            _counters.Refuse(did, BridgeRefusals.NoLink);
            args.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
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
        link.Session.TryEnqueueApplicationMessage(welcome, out _);
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
        if (!_links.TryGetValue(did, out var link) || !string.Equals(link.Endpoint, args.SessionItems[EndpointItem] as string, StringComparison.Ordinal))
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
            if (message is null || !link.Session.TryEnqueueApplicationMessage(message, out _))
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
