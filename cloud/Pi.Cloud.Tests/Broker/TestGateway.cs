using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Tests.Broker;

/// <summary>
/// A gateway's side of the session channel as a plain MQTTnet 5 client: username = tid, password =
/// session token, client id = tid, last will "offline" retained on its availability topic.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<(string Topic, string Text)> _received = Channel.CreateUnbounded<(string, string)>();
    private readonly TaskCompletionSource<MqttClientDisconnectedEventArgs> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestGateway(string tid, IMqttClient client, MqttClientConnectResult connectResult)
    {
        Tid = tid;
        _client = client;
        ConnectResult = connectResult;
    }

    public string Tid { get; }

    /// <summary>The broker's CONNACK (a refusal is a result code, not an exception, in MQTTnet 5).</summary>
    public MqttClientConnectResult ConnectResult { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Completes when an established connection ends (kicked, broker gone, or closed).</summary>
    public Task<MqttClientDisconnectedEventArgs> Disconnected => _disconnected.Task;

    public static async Task<TestGateway> ConnectAsync(MosquittoServer server, string tid, string token)
    {
        ArgumentNullException.ThrowIfNull(server);
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", server.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(tid)
            .WithCredentials(tid, token)
            .WithCleanStart(true)
            .WithWillTopic(Topics.GatewayAvailability(tid))
            .WithWillPayload(Topics.Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTimeout(Waits.Timeout)
            .Build();
        TestGateway? gateway = null;
        client.ApplicationMessageReceivedAsync += e =>
            gateway!._received.Writer.WriteAsync((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload))).AsTask();
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                gateway?._disconnected.TrySetResult(e);
            }
            return Task.CompletedTask;
        };
        var result = await client.ConnectAsync(options).Within($"gateway {tid} to get a CONNACK");
        gateway = new TestGateway(tid, client, result);
        return gateway;
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload, bool retain = false) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build()).Within($"a PUBACK for {topic}");

    public Task<MqttClientPublishResult> PublishUpAsync(string payload) => PublishAsync(Topics.GatewayUp(Tid), payload);

    /// <summary>Retained, as the protocol wants.</summary>
    public Task<MqttClientPublishResult> PublishAvailabilityAsync(bool online) =>
        PublishAsync(Topics.GatewayAvailability(Tid), online ? Topics.Online : Topics.Offline, retain: true);

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter)
    {
        var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build()).Within($"a SUBACK for {filter}");
        return Assert.Single(result.Items).ResultCode;
    }

    public Task<(string Topic, string Text)> NextReceivedAsync(string what) => _received.Reader.ReadAsync().AsTask().Within(what);

    /// <summary>Gone without a DISCONNECT packet (a power cut): the broker publishes the will.</summary>
    public void Drop() => _client.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // Already gone; nothing to close.
            }
        }
        _client.Dispose();
    }
}
