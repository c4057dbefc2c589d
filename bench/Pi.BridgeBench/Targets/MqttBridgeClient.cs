using System.Buffers;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Pi.BridgeBench.Targets;

/// <summary>Where and as whom a LAN-side client connects.</summary>
/// <param name="Host">Broker host (an IP literal on loopback in the harness).</param>
/// <param name="Port">Broker port.</param>
/// <param name="ClientId">MQTT client id (for a Pi sub-device: its did).</param>
/// <param name="Username">User name, or null for none (for a Pi sub-device: its did).</param>
/// <param name="Password">Password, or null for none (for a Pi sub-device: its LAN password).</param>
public sealed record MqttEndpoint(string Host, int Port, string ClientId, string? Username = null, string? Password = null);

/// <summary>
/// What a target adds to a plain MQTT connection: a handshake after connecting and a payload
/// transformation (for the Pi gateway: linkHello/linkWelcome, then sealing every payload under the
/// link key). Without one, <see cref="MqttBridgeClient"/> publishes the harness's bytes as they are.
/// </summary>
public interface IPublisherLink
{
    /// <summary>Runs after every MQTT connect, before any publish (subscribe, hello, await the welcome, derive keys).</summary>
    Task OnConnectedAsync(IMqttClient client, CancellationToken cancellationToken);

    /// <summary>
    /// The bytes to publish for one harness payload. Calls are serialized by the client and made in
    /// the order the publishes are handed to MQTTnet, so a counter taken here increases in send order
    /// (with up to the in-flight limit of publishes racing on the wire).
    /// </summary>
    ReadOnlyMemory<byte> Transform(ReadOnlySpan<byte> payload);
}

/// <summary>
/// The default LAN-side client: an MQTTnet 5 client (MQTT 5, clean start, keep-alive 60 s) that
/// publishes each payload to one topic at the configured QoS. Used as is for the Mosquitto baseline;
/// a Pi target can pass an <see cref="IPublisherLink"/> and credentials.
/// </summary>
public sealed class MqttBridgeClient : IBridgePublisher
{
    private static readonly MqttClientFactory Factory = new();

    private readonly MqttEndpoint _endpoint;
    private readonly string _topic;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly IPublisherLink? _link;
    private readonly Lock _order = new();
    private readonly IMqttClient _client;

    /// <param name="publisherId">The harness's id for this publisher (any value for an idle client).</param>
    /// <param name="endpoint">Broker and credentials.</param>
    /// <param name="topic">Topic every payload goes to.</param>
    /// <param name="qos">QoS of the publishes.</param>
    /// <param name="link">Handshake and payload transformation, or null for plain MQTT.</param>
    public MqttBridgeClient(int publisherId, MqttEndpoint endpoint, string topic, MqttQualityOfServiceLevel qos, IPublisherLink? link = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        PublisherId = publisherId;
        _endpoint = endpoint;
        _topic = topic;
        _qos = qos;
        _link = link;
        _client = Factory.CreateMqttClient();
    }

    public int PublisherId { get; }

    public string ClientId => _endpoint.ClientId;

    /// <summary>The MQTTnet client (for a link's handshake or for tests).</summary>
    public IMqttClient Client => _client;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_endpoint.Host, _endpoint.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(_endpoint.ClientId)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(30));
        if (_endpoint.Username is not null)
        {
            builder = builder.WithCredentials(_endpoint.Username, _endpoint.Password);
        }
        var result = await _client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"{_endpoint.ClientId}: connect refused ({result.ResultCode})");
        }
        if (_link is not null)
        {
            await _link.OnConnectedAsync(_client, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<PublishOutcome> PublishAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        Task<MqttClientPublishResult> publish;
        try
        {
            lock (_order)
            {
                var bytes = _link is null ? payload : _link.Transform(payload.Span);
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(_topic)
                    .WithPayload(new ReadOnlySequence<byte>(bytes))
                    .WithQualityOfServiceLevel(_qos)
                    .Build();
                publish = _client.PublishAsync(message, cancellationToken);
            }
            var result = await publish.ConfigureAwait(false);
            // Below 0x80 is an acknowledgement (0x10 "no matching subscribers" included).
            return (int)result.ReasonCode < 0x80
                ? PublishOutcome.Ok
                : PublishOutcome.Failed($"reason code {result.ReasonCode}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is MqttCommunicationException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            return PublishOutcome.Failed($"{e.GetType().Name}: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            // The broker may already be gone (stopped after a failure); nothing to tidy then.
        }
        _client.Dispose();
    }
}
