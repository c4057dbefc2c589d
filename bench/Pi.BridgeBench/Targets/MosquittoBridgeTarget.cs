using System.Diagnostics;
using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pi.Protocol.Topics;

namespace Pi.BridgeBench.Targets;

/// <summary>
/// The baseline: Mosquitto's own bridge. Two mosquitto processes from the distribution's package on
/// free loopback ports, configured in a temporary directory: a LAN broker whose bridge forwards
/// <c>pi/v2/dev/+/up</c> (out, at the run's QoS, clean session) to a cloud broker. Publishers connect
/// to the LAN broker; the consumer subscribes on the cloud broker. Nothing is sealed or opened on
/// this path: it is the cost of the MQTT work alone.
/// </summary>
/// <remarks>
/// <c>max_queued_messages 0</c> (no limit) on both brokers: with the stock 1000 the bridge
/// acknowledges a burst and then drops most of it silently (architecture.md, "Facts measured"), which
/// would make the baseline fast by losing messages. <c>max_inflight_messages</c> keeps its default of
/// 20 (it bounds the bridge's unacknowledged publishes to the cloud broker, and the cloud broker's to
/// the consumer). <c>set_tcp_nodelay true</c> as in docs/broker.md.
/// </remarks>
public sealed class MosquittoBridgeTarget : IBridgeTarget
{
    /// <summary>The bridge's client id on the cloud broker (also names its notification topic).</summary>
    public const string BridgeClientId = "pi-bench-bridge";

    private const int MaxInflightMessages = 20;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(500);

    private readonly string? _executable;
    private readonly Lock _gate = new();
    private string? _directory;
    private MosquittoProcess? _cloud;
    private MosquittoProcess? _lan;
    private IMqttClient? _consumer;
    private IDeliveryObserver? _observer;
    private TaskCompletionSource? _probeSeen;
    private TaskCompletionSource? _bridgeUp;
    private long _probeSequence;

    /// <param name="executable">Path of mosquitto, or null to look in /usr/sbin and PATH.</param>
    public MosquittoBridgeTarget(string? executable = null) => _executable = executable;

    public string Name => "mosquitto";

    /// <summary>The temporary directory with the configurations (null before start and after stop).</summary>
    public string? Directory => _directory;

    /// <summary>PIDs of the two brokers while they run (for tests: they must be gone after stop).</summary>
    public IReadOnlyList<int> ProcessIds =>
        new[] { _cloud, _lan }.Where(p => p is not null).Select(p => p!.ProcessId).ToArray();

    public async Task<BridgeEndpoints> StartAsync(BridgeTargetOptions options, IDeliveryObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        if (_directory is not null)
        {
            throw new InvalidOperationException("Already started.");
        }
        var executable = MosquittoProcess.FindExecutable(_executable);
        _observer = observer;
        _directory = System.IO.Directory.CreateTempSubdirectory("pi-bridgebench-").FullName;
        ChildProcesses.RegisterDirectory(_directory);

        var qos = (int)options.QualityOfService;
        _cloud = await StartBrokerAsync(executable, "cloud", port => BrokerConfig(port, bridge: null), cancellationToken).ConfigureAwait(false);
        var cloudPort = _cloud.Port;
        _bridgeUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _probeSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The consumer first, so it sees the bridge's retained notification and every message.
        _consumer = await ConnectConsumerAsync(cloudPort, options.QualityOfService, cancellationToken).ConfigureAwait(false);
        _lan = await StartBrokerAsync(executable, "lan", port => BrokerConfig(port, BridgeConfig(cloudPort, qos)), cancellationToken).ConfigureAwait(false);
        await WaitUntilBridgedAsync(options.QualityOfService, cancellationToken).ConfigureAwait(false);

        var lanPort = _lan.Port;
        var factory = new PlainClientFactory(lanPort, options.QualityOfService);
        IReadOnlyList<string> notes =
        [
            "no cryptography on this path: Mosquitto forwards the bytes as they are (the baseline's nature)",
            $"mosquitto bridge: topic pi/v2/dev/+/up out {qos}, cleansession true, MQTT 3.1.1 bridge, set_tcp_nodelay true",
            $"max_queued_messages 0 (unlimited: the stock 1000 drops a burst silently), max_inflight_messages {MaxInflightMessages} (default)",
            $"lan broker pid {_lan.ProcessId} port {lanPort}, cloud broker pid {_cloud.ProcessId} port {cloudPort}",
        ];
        return new BridgeEndpoints(
            factory,
            [new MeasuredProcess("mosquitto-lan", _lan.ProcessId), new MeasuredProcess("mosquitto-cloud", _cloud.ProcessId)],
            notes);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        IMqttClient? consumer;
        MosquittoProcess? lan, cloud;
        string? directory;
        lock (_gate)
        {
            (consumer, lan, cloud, directory) = (_consumer, _lan, _cloud, _directory);
            (_consumer, _lan, _cloud, _directory) = (null, null, null, null);
        }
        if (consumer is not null)
        {
            try
            {
                if (consumer.IsConnected)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await consumer.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
            }
            consumer.Dispose();
        }
        if (lan is not null)
        {
            await lan.DisposeAsync().ConfigureAwait(false);
        }
        if (cloud is not null)
        {
            await cloud.DisposeAsync().ConfigureAwait(false);
        }
        if (directory is not null)
        {
            ChildProcesses.DeleteDirectory(directory);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private async Task<MosquittoProcess> StartBrokerAsync(string executable, string name, Func<int, string> config, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = MosquittoProcess.FreePort();
            var path = Path.Combine(_directory!, $"{name}.conf");
            await File.WriteAllTextAsync(path, config(port), cancellationToken).ConfigureAwait(false);
            var broker = await MosquittoProcess.StartAsync(executable, name, path, port, cancellationToken).ConfigureAwait(false);
            if (broker is not null)
            {
                return broker;
            }
            if (attempt == 5)
            {
                throw new InvalidOperationException($"mosquitto ({name}) could not bind a free port in {attempt} tries.");
            }
        }
    }

    private static string BrokerConfig(int port, string? bridge)
    {
        var config = new StringBuilder()
            .AppendLine("# generated by Pi.BridgeBench")
            .AppendLine("per_listener_settings false")
            .AppendLine("allow_anonymous true")
            .AppendLine(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1")
            .AppendLine("persistence false")
            .AppendLine("set_tcp_nodelay true")
            .AppendLine("max_queued_messages 0")
            .AppendLine(CultureInfo.InvariantCulture, $"max_inflight_messages {MaxInflightMessages}")
            .AppendLine("log_dest stderr")
            .AppendLine("log_type error")
            .AppendLine("log_type warning")
            .AppendLine("log_type notice")
            // "... running" (the readiness line) is logged at information level; so is each connect,
            // which happens before the measurement, never per message.
            .AppendLine("log_type information")
            // Started as root, mosquitto would switch to the "mosquitto" user; naming ourselves keeps it.
            .AppendLine(CultureInfo.InvariantCulture, $"user {Environment.UserName}");
        if (bridge is not null)
        {
            config.Append(bridge);
        }
        return config.ToString();
    }

    private static string BridgeConfig(int cloudPort, int qos) => new StringBuilder()
        .AppendLine("connection cloud")
        .AppendLine(CultureInfo.InvariantCulture, $"address 127.0.0.1:{cloudPort}")
        .AppendLine("bridge_protocol_version mqttv311")
        .AppendLine(CultureInfo.InvariantCulture, $"remote_clientid {BridgeClientId}")
        .AppendLine("cleansession true")
        .AppendLine("try_private true")
        .AppendLine("notifications true")
        .AppendLine("start_type automatic")
        .AppendLine("restart_timeout 1")
        .AppendLine("keepalive_interval 60")
        .AppendLine(CultureInfo.InvariantCulture, $"topic {Topics.Root}/dev/+/up out {qos}")
        .ToString();

    private async Task<IMqttClient> ConnectConsumerAsync(int port, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnCloudMessageAsync;
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("pi-bench-consumer")
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        try
        {
            await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter($"{Topics.Root}/dev/+/up", qos)
                .WithTopicFilter($"$SYS/broker/connection/{BridgeClientId}/state", MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), cancellationToken).ConfigureAwait(false);
            foreach (var item in subscribed.Items)
            {
                if ((int)item.ResultCode >= 0x80)
                {
                    throw new InvalidOperationException($"consumer subscription {item.TopicFilter.Topic} refused ({item.ResultCode})");
                }
            }
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private Task OnCloudMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var received = Stopwatch.GetTimestamp();
        var message = args.ApplicationMessage;
        if (BenchPayload.TryRead(message.Payload, out var publisherId, out var sequence, out var sent))
        {
            if (publisherId == BenchPayload.ProbePublisherId)
            {
                _probeSeen?.TrySetResult();
            }
            else
            {
                _observer!.OnDelivered(publisherId, sequence, sent, received);
            }
        }
        else if (message.Topic.StartsWith("$SYS/broker/connection/", StringComparison.Ordinal))
        {
            // The bridge's notification: "1" connected, "0" disconnected (retained).
            if (message.Payload.Length == 1 && message.Payload.FirstSpan[0] == (byte)'1')
            {
                _bridgeUp?.TrySetResult();
            }
        }
        else
        {
            _observer!.OnUnrecognized($"{message.Topic} ({message.Payload.Length} bytes)");
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Ready when the cloud broker has the bridge's "connected" notification and a probe published on
    /// the LAN broker reached the consumer. The probe is repeated every 500 ms (a bridge that just
    /// connected may not forward yet); the whole wait is bounded.
    /// </summary>
    private async Task WaitUntilBridgedAsync(MqttQualityOfServiceLevel qos, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        try
        {
            await _bridgeUp!.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            await using var probe = new MqttBridgeClient(
                BenchPayload.ProbePublisherId, new MqttEndpoint("127.0.0.1", _lan!.Port, "pi-bench-probe"), Topics.DeviceUp("bench-probe"), qos);
            await probe.ConnectAsync(timeout.Token).ConfigureAwait(false);
            while (!_probeSeen!.Task.IsCompleted)
            {
                var payload = BenchPayload.Create(BenchPayload.HeaderSize, BenchPayload.ProbePublisherId, ++_probeSequence, Stopwatch.GetTimestamp());
                var outcome = await probe.PublishAsync(payload, timeout.Token).ConfigureAwait(false);
                if (!outcome.Acknowledged)
                {
                    throw new InvalidOperationException($"the LAN broker refused the probe: {outcome.Error}");
                }
                await Task.WhenAny(_probeSeen.Task, Task.Delay(ProbeInterval, timeout.Token)).ConfigureAwait(false);
                timeout.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"the Mosquitto bridge did not carry a probe end to end within {ReadyTimeout.TotalSeconds} s "
                + $"(bridge notification {(_bridgeUp!.Task.IsCompleted ? "seen" : "not seen")}).\nlan broker:\n{_lan?.Log}\ncloud broker:\n{_cloud?.Log}");
        }
    }

    /// <summary>Plain MQTT clients to the LAN broker: client id = did, no credentials, no transformation.</summary>
    private sealed class PlainClientFactory(int port, MqttQualityOfServiceLevel qos) : IBridgeClientFactory
    {
        public IBridgePublisher CreatePublisher(int publisherId)
        {
            var did = PublisherDid(publisherId);
            return new MqttBridgeClient(publisherId, new MqttEndpoint("127.0.0.1", port, did), Topics.DeviceUp(did), qos);
        }

        public IBridgeClient CreateIdleClient(int index)
        {
            var did = string.Create(CultureInfo.InvariantCulture, $"bench-idle-{index:D5}");
            return new MqttBridgeClient(-2, new MqttEndpoint("127.0.0.1", port, did), Topics.DeviceUp(did), qos);
        }
    }

    /// <summary>The did (client id) the harness uses for a publisher: <c>bench-pub-00042</c>.</summary>
    public static string PublisherDid(int publisherId) => string.Create(CultureInfo.InvariantCulture, $"bench-pub-{publisherId:D5}");
}
