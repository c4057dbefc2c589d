using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>
/// A deliberately raw sub-device for the bridge's tests: every step is explicit, so tests can also
/// skip or break one (no hello, tampered packets, foreign topics).
/// </summary>
internal sealed class LanTestDevice : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Channel<MqttApplicationMessage>> _received = new(StringComparer.Ordinal);
    private EnvelopeSealer? _up;
    private EnvelopeOpener? _down;

    public LanTestDevice(string did, SymmetricKey localKey, int port)
    {
        Did = did;
        LocalKey = localKey;
        Port = port;
        _client.ApplicationMessageReceivedAsync += args =>
        {
            Inbox(args.ApplicationMessage.Topic).Writer.TryWrite(args.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    public string Did { get; }

    public SymmetricKey LocalKey { get; }

    public int Port { get; }

    public IMqttClient Client => _client;

    /// <summary>Answers every command with this (null: no answer).</summary>
    public Func<SessionRequest, SessionMessage?>? OnCommand { get; set; }

    public Task<MqttClientConnectResult> ConnectAsync(string? password = null, string? clientId = null, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Port)
            .WithProtocolVersion(version)
            .WithClientId(clientId ?? Did)
            .WithCredentials(Did, password ?? KeyDerivation.DeriveLanPassword(LocalKey, Did).Reveal())
            .WithCleanStart()
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(Topics.DeviceAvailability(Did))
            .WithWillPayload(Topics.Offline)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return _client.ConnectAsync(options);
    }

    /// <summary>Connect, subscribe, hello, welcome, link key, retained online.</summary>
    public async Task LinkAsync()
    {
        var connected = await ConnectAsync();
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await SubscribeAsync(Topics.DeviceWelcome(Did), Topics.DeviceDown(Did));
        await HelloAsync();
        await PublishAsync(Topics.DeviceAvailability(Did), "online"u8.ToArray(), retain: true);
        _ = Task.Run(AnswerCommandsAsync);
    }

    public async Task<MqttClientSubscribeResult> SubscribeAsync(params string[] topics)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var topic in topics)
        {
            builder.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }
        return await _client.SubscribeAsync(builder.Build());
    }

    public async Task HelloAsync()
    {
        var nonce = RandomNumberGenerator.GetBytes(KeyDerivation.NonceSize);
        await PublishAsync(Topics.DeviceHello(Did), ProtocolJson.Serialize(new LinkHello(nonce)));
        var welcomeMessage = await NextAsync(Topics.DeviceWelcome(Did));
        var welcome = ProtocolJson.Deserialize<LinkWelcome>(welcomeMessage.Payload.ToArray());
        var key = KeyDerivation.DeriveLinkKey(LocalKey, nonce, welcome.Nonce, Did);
        _up?.Dispose();
        _down?.Dispose();
        _up = new EnvelopeSealer(key, welcome.KeyId, Direction.SubDeviceToGateway);
        _down = new EnvelopeOpener(key, welcome.KeyId, Direction.GatewayToSubDevice, did: Did);
    }

    public byte[] Seal(SessionMessage message) => _up!.Seal(message, null, Did);

    public Task<MqttClientPublishResult> SendAsync(SessionMessage message) => PublishAsync(Topics.DeviceUp(Did), Seal(message));

    public Task<MqttClientPublishResult> TelemetryAsync(double temperature, string? txn = null) =>
        SendAsync(new SessionRequest(txn ?? "u" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), "telemetry",
            Args: System.Text.Json.JsonDocument.Parse($"{{\"temperature\":{temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}").RootElement.Clone()));

    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload, bool retain = false) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    public async Task<MqttApplicationMessage> NextAsync(string topic, int seconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await Inbox(topic).Reader.ReadAsync(timeout.Token);
    }

    private Channel<MqttApplicationMessage> Inbox(string topic) =>
        _received.GetOrAdd(topic, _ => Channel.CreateUnbounded<MqttApplicationMessage>());

    private async Task AnswerCommandsAsync()
    {
        try
        {
            while (_client.IsConnected)
            {
                var message = await NextAsync(Topics.DeviceDown(Did), 3600);
                var opened = _down!.OpenMessage(message.Payload.ToArray());
                if (opened.Message is SessionRequest request && OnCommand?.Invoke(request) is { } answer)
                {
                    await SendAsync(answer);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException or Pi.Protocol.Errors.ProtocolException or MQTTnet.Exceptions.MqttCommunicationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }
        _client.Dispose();
        _up?.Dispose();
        _down?.Dispose();
        foreach (var inbox in _received.Values)
        {
            inbox.Writer.TryComplete();
        }
    }
}
