using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pi.Bench.Smoke;
using Pi.Protocol.Topics;

namespace Pi.Bench.Cloud;

/// <summary>
/// The cloud's down path: what it costs to get a QoS 1 command to ONE gateway while
/// <see cref="Gateways"/> gateways are connected to an MQTTnet 5.2 server. Every row hands messages
/// for one gateway's down topic to the server and then waits until that gateway's MQTT client has
/// received all of them, so it measures end to end: routing or enqueueing, the server session's send
/// loop, TCP over loopback, the client's decode and handler (and the PUBACK it sends back). The
/// baseline routes each message with <c>MqttServer.InjectApplicationMessage</c>, which checks every
/// session's subscriptions; the other row enqueues it straight into the gateway's own session with
/// <c>MqttSessionStatus.TryEnqueueApplicationMessage</c>, as <c>EmbeddedGatewayBroker.SendDownAsync</c> does.
/// </summary>
/// <remarks>
/// <para>
/// Two categories, each with its own baseline. <see cref="OneCategory"/> sends one command and waits
/// for it: the latency of a command, with nothing overlapping. <see cref="BurstCategory"/> sends
/// <see cref="Burst"/> commands one after the other (each inject awaited) and waits for all of them,
/// reported per message: deliveries overlap with the sending, on the other core, so this is a busy
/// gateway's throughput, not a latency.
/// </para>
/// <para>
/// The server has the cloud broker's options (no persistent sessions, at most 1,000 pending messages
/// per client, new messages dropped past that) on a plain TCP endpoint on 127.0.0.1 instead of
/// Kestrel with TLS. The clients speak MQTT 5 without keep-alive pings, so nothing but the measured
/// traffic moves while a row runs. Every client subscribes to its own <c>pi/v2/gw/{tid}/down</c> at
/// QoS 1; the session each one gets is captured from <c>InterceptingSubscriptionAsync</c>, like the
/// cloud broker does. The target is the gateway in the middle of the connection order.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SuppressMessage("Design", "CA1001", Justification = "Disposed in [GlobalCleanup], the cleanup hook BenchmarkDotNet calls.")]
public class DownPathBenchmarks : ISmokeCheck
{
    /// <summary>Messages sent to the target gateway per invocation of the burst rows (BenchmarkDotNet divides by this).</summary>
    public const int Burst = 64;

    /// <summary>Category of the rows that send one command and wait for it: the latency of a command.</summary>
    public const string OneCategory = "One";

    /// <summary>Category of the rows that send <see cref="Burst"/> commands and wait for all: a busy gateway's throughput.</summary>
    public const string BurstCategory = "Burst";

    /// <summary>Size of each message's payload: a sealed command envelope of typical size.</summary>
    public const int PayloadSize = 160;

    /// <summary>Clients connected at the same time while the setup connects the fleet.</summary>
    private const int ConnectBatch = 50;

    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, MqttSessionStatus> _sessions = new(StringComparer.Ordinal);
    private readonly List<IMqttClient> _clients = [];
    private MqttServer? _server;
    private MqttSessionStatus? _target;
    private string _targetTopic = "";
    private byte[] _payload = [];
    private int _received;
    private int _expected;
    private int _stray;
    private TaskCompletionSource<int> _allReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gateways connected and subscribed to their down topic.</summary>
    [Params(10, 500, 2000)]
    [SmokeParams(10, 60)]
    public int Gateways { get; set; }

    /// <summary>Starts the server and connects and subscribes <see cref="Gateways"/> clients, <see cref="ConnectBatch"/> at a time.</summary>
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    /// <summary>Disconnects every client and stops the server.</summary>
    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>One command: InjectApplicationMessage (awaited), then wait until the target client has it.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(OneCategory)]
    public Task<int> InjectOne() => InjectAsync(1);

    /// <summary>One command: TryEnqueueApplicationMessage into the target's session, then wait until the target client has it.</summary>
    [Benchmark]
    [BenchmarkCategory(OneCategory)]
    public Task<int> EnqueueOne() => EnqueueAsync(1);

    /// <summary><see cref="Burst"/> commands, each through InjectApplicationMessage (awaited), then wait until the target client has all of them; per message.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Burst)]
    [BenchmarkCategory(BurstCategory)]
    public Task<int> InjectBurst() => InjectAsync(Burst);

    /// <summary><see cref="Burst"/> commands, each through TryEnqueueApplicationMessage, then wait until the target client has all of them; per message.</summary>
    [Benchmark(OperationsPerInvoke = Burst)]
    [BenchmarkCategory(BurstCategory)]
    public Task<int> EnqueueBurst() => EnqueueAsync(Burst);

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result)
    {
        var sent = benchmark.EndsWith("Burst", StringComparison.Ordinal) ? Burst : 1;
        SmokeAssert.Equal(sent, result, $"{benchmark}: messages the target gateway received");
        SmokeAssert.Equal(sent, Volatile.Read(ref _received), $"{benchmark}: messages the target gateway received in the end");
        SmokeAssert.Equal(0, Volatile.Read(ref _stray), $"{benchmark}: messages any other gateway received");
        SmokeAssert.Equal(Gateways, _sessions.Count, $"{benchmark}: sessions subscribed");
    }

    /// <summary>Routes <paramref name="count"/> messages one after the other; returns how many the target received.</summary>
    private async Task<int> InjectAsync(int count)
    {
        var received = Arm(count);
        for (var i = 0; i < count; i++)
        {
            await _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(Message()), CancellationToken.None).ConfigureAwait(false);
        }
        return await received.ConfigureAwait(false);
    }

    /// <summary>Enqueues <paramref name="count"/> messages into the target's session; returns how many the target received.</summary>
    private async Task<int> EnqueueAsync(int count)
    {
        var received = Arm(count);
        for (var i = 0; i < count; i++)
        {
            if (!_target!.TryEnqueueApplicationMessage(Message(), out _))
            {
                throw new InvalidOperationException("the session refused the message");
            }
        }
        return await received.ConfigureAwait(false);
    }

    /// <summary>
    /// One message as the cloud builds it for a gateway: its down topic, QoS 1, a fresh copy of the
    /// payload (<c>SendDownAsync</c> copies the envelope too).
    /// </summary>
    private MqttApplicationMessage Message() => new MqttApplicationMessageBuilder()
        .WithTopic(_targetTopic)
        .WithPayload(_payload.AsSpan().ToArray())
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    /// <summary>Resets the target's counter; the task completes when it has received <paramref name="count"/> messages.</summary>
    private Task<int> Arm(int count)
    {
        _allReceived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _expected = count;
        Volatile.Write(ref _received, 0);
        return _allReceived.Task.WaitAsync(DeliveryTimeout);
    }

    private static string Tid(int index) => string.Create(CultureInfo.InvariantCulture, $"gw-bench-{index:D5}");

    private async Task SetupAsync()
    {
        _payload = Fixtures.Payload(PayloadSize);
        var port = FreeLoopbackPort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .WithConnectionBacklog(ConnectBatch * 2)
            .WithPersistentSessions(false)
            .WithMaxPendingMessagesPerClient(1000)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.InterceptingSubscriptionAsync += args =>
        {
            _sessions[args.ClientId] = args.Session;
            return Task.CompletedTask;
        };
        await _server.StartAsync().ConfigureAwait(false);

        var targetIndex = Gateways / 2;
        var factory = new MqttClientFactory();
        for (var first = 0; first < Gateways; first += ConnectBatch)
        {
            var batch = Enumerable.Range(first, Math.Min(ConnectBatch, Gateways - first))
                .Select(i => ConnectAsync(factory, port, Tid(i), isTarget: i == targetIndex));
            _clients.AddRange(await Task.WhenAll(batch).ConfigureAwait(false));
        }

        var targetTid = Tid(targetIndex);
        _targetTopic = Topics.GatewayDown(targetTid);
        if (!_sessions.TryGetValue(targetTid, out _target) || _sessions.Count != Gateways)
        {
            throw new InvalidOperationException($"{_sessions.Count} of {Gateways} sessions subscribed");
        }
    }

    private async Task<IMqttClient> ConnectAsync(MqttClientFactory factory, int port, string tid, bool isTarget)
    {
        var client = factory.CreateMqttClient();
        client.ApplicationMessageReceivedAsync += isTarget ? OnTargetReceived : OnOtherReceived;
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(tid)
            .WithKeepAlivePeriod(TimeSpan.Zero)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        await client.ConnectAsync(options).ConfigureAwait(false);
        var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.GatewayDown(tid), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build()).ConfigureAwait(false);
        if (subscribed.Items.First().ResultCode != MqttClientSubscribeResultCode.GrantedQoS1)
        {
            throw new InvalidOperationException($"{tid}: subscription refused ({subscribed.Items.First().ResultCode})");
        }
        return client;
    }

    private Task OnTargetReceived(MqttApplicationMessageReceivedEventArgs args)
    {
        var received = Interlocked.Increment(ref _received);
        if (received == _expected)
        {
            _allReceived.TrySetResult(received);
        }
        return Task.CompletedTask;
    }

    private Task OnOtherReceived(MqttApplicationMessageReceivedEventArgs args)
    {
        Interlocked.Increment(ref _stray);
        return Task.CompletedTask;
    }

    private async Task CleanupAsync()
    {
        foreach (var chunk in _clients.Chunk(ConnectBatch))
        {
            await Task.WhenAll(chunk.Select(c => c.DisconnectAsync())).ConfigureAwait(false);
        }
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        _clients.Clear();
        _sessions.Clear();
        if (_server is not null)
        {
            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
            _server.Dispose();
            _server = null;
        }
    }

    /// <summary>A port nobody listens on right now (the OS picks it; another process could take it before the server binds, which would fail the setup).</summary>
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
