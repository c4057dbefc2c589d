using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.BridgeBench.Targets.PiGateway;

/// <summary>
/// A sub-device's side of the LAN link (docs/protocol.md section 10) for <see cref="MqttBridgeClient"/>:
/// after every connect it subscribes to its <c>welcome</c> and <c>down</c> topics, publishes a
/// linkHello with a fresh nonce, awaits the linkWelcome and derives the link key (section 3.5); then
/// every harness payload becomes a telemetry request (<see cref="BenchTelemetry"/>) sealed under the
/// link key (direction 05, did in the header).
/// </summary>
internal sealed class PiSubDeviceLink : IPublisherLink, IDisposable
{
    private static readonly TimeSpan WelcomeTimeout = TimeSpan.FromSeconds(30);

    private readonly string _did;
    private readonly SymmetricKey _localKey;
    private readonly string _welcomeTopic;
    private readonly Lock _gate = new();
    private readonly ArrayBufferWriter<byte> _plaintext = new(1024);
    private readonly Utf8JsonWriter _json;
    private TaskCompletionSource<byte[]>? _welcome;
    private EnvelopeSealer? _up;
    private bool _listening;
    private long _txn;

    public PiSubDeviceLink(string did, SymmetricKey localKey)
    {
        _did = did;
        _localKey = localKey;
        _welcomeTopic = Topics.DeviceWelcome(did);
        _json = new Utf8JsonWriter(_plaintext);
    }

    /// <summary>The key id of the current link (0 before the first welcome).</summary>
    public uint KeyId { get; private set; }

    public async Task OnConnectedAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var welcome = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _welcome, welcome);
        if (!_listening)
        {
            client.ApplicationMessageReceivedAsync += OnMessageAsync;
            _listening = true;
        }

        var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(_welcomeTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.DeviceDown(_did), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken).ConfigureAwait(false);
        foreach (var item in subscribed.Items)
        {
            if ((int)item.ResultCode >= 0x80)
            {
                throw new InvalidOperationException($"{_did}: subscription {item.TopicFilter.Topic} refused ({item.ResultCode})");
            }
        }

        var nonce = RandomNumberGenerator.GetBytes(KeyDerivation.NonceSize);
        var hello = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.DeviceHello(_did))
            .WithPayload(ProtocolJson.Serialize(new LinkHello(nonce)))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken).ConfigureAwait(false);
        if ((int)hello.ReasonCode >= 0x80)
        {
            throw new InvalidOperationException($"{_did}: hello refused ({hello.ReasonCode})");
        }
        byte[] welcomeBytes;
        try
        {
            welcomeBytes = await welcome.Task.WaitAsync(WelcomeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"{_did}: no linkWelcome within {WelcomeTimeout.TotalSeconds} s");
        }
        var answer = ProtocolJson.Deserialize<LinkWelcome>(welcomeBytes);
        var linkKey = KeyDerivation.DeriveLinkKey(_localKey, nonce, answer.Nonce, _did);
        lock (_gate)
        {
            _up?.Dispose();
            _up = new EnvelopeSealer(linkKey, answer.KeyId, Direction.SubDeviceToGateway);
            KeyId = answer.KeyId;
        }
    }

    public ReadOnlyMemory<byte> Transform(ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            var up = _up ?? throw new InvalidOperationException($"{_did}: publish before the link handshake");
            _plaintext.ResetWrittenCount();
            _json.Reset();
            BenchTelemetry.WritePlaintext(_json, ++_txn, payload);
            return up.Seal(_plaintext.WrittenSpan, null, _did);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _up?.Dispose();
            _up = null;
            _json.Dispose();
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        if (string.Equals(args.ApplicationMessage.Topic, _welcomeTopic, StringComparison.Ordinal))
        {
            Volatile.Read(ref _welcome)?.TrySetResult(args.ApplicationMessage.Payload.ToArray());
        }
        // down: the bench sends no commands; nothing else is subscribed.
        return Task.CompletedTask;
    }
}
