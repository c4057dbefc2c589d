using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Pi.Cloud.Options;
using Pi.Protocol;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Broker;

/// <summary>
/// <see cref="IGatewayBroker"/> on an external MQTT 5 broker (Mosquitto, EMQX, VerneMQ): this cloud
/// worker is a client of it. Up traffic and presence arrive through shared subscriptions
/// (<c>$share/pi-cloud/...</c>), so each message reaches exactly one of the workers; commands go out
/// as QoS 1 publishes; with <see cref="ExternalBrokerOptions.MosquittoDynamicSecurity"/> the gateways'
/// credentials and ACLs are managed through Mosquitto's dynamic-security plugin.
/// </summary>
/// <remarks>
/// A connection loop with exponential backoff and jitter keeps the worker connected and
/// resubscribes after every reconnect; a lost broker is logged, never thrown at the host. Every
/// worker also watches all availability topics without sharing (retained, so the picture is whole
/// after a reconnect) to know which gateways are offline; only the shared copy is reported upwards.
/// </remarks>
public sealed partial class ExternalGatewayBroker : IGatewayBroker, IHostedService, IAsyncDisposable
{
    // Subscription identifiers tell which subscription delivered a message: the availability
    // topics match both the shared subscription and the unshared watch.
    internal const uint UpSubscription = 1;
    internal const uint PresenceSubscription = 2;
    internal const uint PresenceWatchSubscription = 3;
    internal const uint ControlSubscription = 4;

    /// <summary><c>$share/pi-cloud/pi/v2/gw/+/availability</c></summary>
    internal const string SharedGatewaysAvailability = "$share/" + Topics.CloudShareGroup + "/" + Topics.AllGatewaysAvailability;

    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    private readonly ExternalBrokerOptions _options;
    private readonly IGatewayTraffic _traffic;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly MosquittoDynamicSecurity? _dynamicSecurity;
    private readonly ConcurrentDictionary<string, byte> _knownOffline = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _ready = NewSignal();
    private TaskCompletionSource _connectionLost = NewSignal();
    private Task? _loop;
    private long _ignoredMessages;
    private long _connections;
    private int _closing;
    private int _disposed;

    public ExternalGatewayBroker(IOptions<CloudOptions> options, IGatewayTraffic traffic, TimeProvider timeProvider, ILogger<ExternalGatewayBroker> logger)
        : this(options, traffic, timeProvider, logger, MosquittoDynamicSecurity.DefaultTimeout)
    {
    }

    internal ExternalGatewayBroker(
        IOptions<CloudOptions> options,
        IGatewayTraffic traffic,
        TimeProvider timeProvider,
        ILogger<ExternalGatewayBroker> logger,
        TimeSpan controlTimeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(traffic);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options.Value.Mqtt.External;
        _traffic = traffic;
        _timeProvider = timeProvider;
        _logger = logger;
        ClientId = ExternalBrokerConnection.NewClientId(_options.ClientIdPrefix);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
        if (_options.MosquittoDynamicSecurity)
        {
            _dynamicSecurity = new MosquittoDynamicSecurity(SendControlAsync, timeProvider, controlTimeout);
        }
    }

    /// <summary>This worker's MQTT client id: the configured prefix and a random suffix.</summary>
    public string ClientId { get; }

    /// <summary>Connected and subscribed right now.</summary>
    internal bool IsConnected => _client.IsConnected && Volatile.Read(ref _ready).Task.IsCompleted;

    /// <summary>Messages that were neither traffic, presence nor a control answer (wrong topic, payload or replay).</summary>
    internal long IgnoredMessages => Interlocked.Read(ref _ignoredMessages);

    /// <summary>The availability this worker watches says the gateway is offline (or it was evicted).</summary>
    internal bool IsKnownOffline(string tid) => _knownOffline.ContainsKey(tid);

    /// <summary>How many times the worker got connected and subscribed.</summary>
    internal long Connections => Interlocked.Read(ref _connections);

    /// <summary>Starts the connection loop and returns: the host does not wait for the broker.</summary>
    /// <exception cref="InvalidOperationException">The settings are unusable (no URL, no username, wrong scheme).</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var clientOptions = ExternalBrokerConnection.CreateClientOptions(_options, ClientId);
        var connection = ExternalBrokerConnection.Parse(_options.Url);
        lock (_gate)
        {
            if (_loop is not null)
            {
                throw new InvalidOperationException("The external broker connection is already started.");
            }
            _loop = Task.Run(() => RunAsync(clientOptions, _stopping.Token), CancellationToken.None);
        }
        LogStarting(_logger, ClientId, connection.Host, connection.Port, connection.UseTls, _options.MosquittoDynamicSecurity);
        return Task.CompletedTask;
    }

    /// <summary>Stops the loop and disconnects cleanly.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? loop;
        lock (_gate)
        {
            loop = _loop;
        }
        if (loop is null)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _client.Dispose();
            _stopping.Dispose();
        }
    }

    /// <summary>Completes once the worker is connected and subscribed (again, after a loss).</summary>
    internal Task WaitUntilConnectedAsync(CancellationToken cancellationToken)
    {
        Task ready;
        lock (_gate)
        {
            ready = _ready.Task;
        }
        return ready.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="TimeoutException">The dynamic-security plugin did not answer in time.</exception>
    /// <exception cref="DynamicSecurityException">The plugin refused a command or is not there.</exception>
    public async Task AdmitAsync(string tid, string sessionToken, CancellationToken cancellationToken)
    {
        RequireGatewayTid(tid);
        ArgumentException.ThrowIfNullOrEmpty(sessionToken);
        if (_dynamicSecurity is null)
        {
            LogNotManaged(_logger, "admit", tid);
            return;
        }
        await _dynamicSecurity.AdmitAsync(tid, sessionToken, cancellationToken).ConfigureAwait(false);
        LogAdmitted(_logger, tid);
    }

    /// <inheritdoc />
    /// <exception cref="TimeoutException">The dynamic-security plugin did not answer in time.</exception>
    /// <exception cref="DynamicSecurityException">The plugin refused a command or is not there.</exception>
    public async Task EvictAsync(string tid, CancellationToken cancellationToken)
    {
        RequireGatewayTid(tid);
        _knownOffline[tid] = 0;
        if (_dynamicSecurity is null)
        {
            LogNotManaged(_logger, "evict", tid);
            return;
        }
        await _dynamicSecurity.EvictAsync(tid, cancellationToken).ConfigureAwait(false);
        // Mosquitto closes the evicted connection without its will: say "offline" in its place, so
        // every worker (and the retained state) learns that the gateway is gone.
        await PublishOfflineAsync(tid, cancellationToken).ConfigureAwait(false);
        LogEvicted(_logger, tid);
    }

    /// <inheritdoc />
    public async ValueTask<bool> SendDownAsync(string tid, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken)
    {
        var topic = Topics.GatewayDown(tid);
        if (!IsConnected)
        {
            LogDownNotConnected(_logger, tid);
            return false;
        }
        if (_knownOffline.ContainsKey(tid))
        {
            LogDownGatewayOffline(_logger, tid);
            return false;
        }
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayloadSegment(envelope)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (result.ReasonCode == MqttClientPublishReasonCode.Success)
            {
                return true;
            }
            // 0x10: the broker knows nobody is subscribed to the gateway's down topic.
            if (result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                LogDownNoSubscriber(_logger, tid);
            }
            else
            {
                LogDownRefused(_logger, tid, (int)result.ReasonCode, result.ReasonCode);
            }
            return false;
        }
        catch (MqttCommunicationException exception)
        {
            LogDownFailed(_logger, tid, exception.Message);
            return false;
        }
    }

    private void RequireGatewayTid(string tid)
    {
        Identifiers.Require(tid, "tid");
        if (string.Equals(tid, _options.Username, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The tid '{tid}' is the cloud's own username on the broker; its credentials are not the gateway's to change.", nameof(tid));
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (string.Equals(message.Topic, MosquittoDynamicSecurity.ResponseTopic, StringComparison.Ordinal))
        {
            // Every worker sees every answer; those of other workers are dropped by correlation.
            _dynamicSecurity?.OnResponse(message.Payload);
            return;
        }
        var address = Topics.Parse(message.Topic);
        var ids = message.SubscriptionIdentifiers;
        var cancellationToken = _stopping.Token;
        try
        {
            // A retained flag on a shared delivery marks a replay of old state, not new traffic.
            if (address is { Kind: TopicKind.GatewayUp, Id: { } upTid } && From(ids, UpSubscription) && !message.Retain)
            {
                // Copied: the payload's buffer belongs to the MQTT client once this handler returns.
                await _traffic.OnUpAsync(upTid, message.Payload.ToArray(), cancellationToken).ConfigureAwait(false);
                return;
            }
            if (address is { Kind: TopicKind.GatewayAvailability, Id: { } tid } && ParseAvailability(message.Payload) is { } online)
            {
                var handled = false;
                if (From(ids, PresenceWatchSubscription))
                {
                    if (online)
                    {
                        _knownOffline.TryRemove(tid, out _);
                    }
                    else
                    {
                        _knownOffline[tid] = 0;
                    }
                    handled = true;
                }
                if (From(ids, PresenceSubscription) && !message.Retain)
                {
                    await _traffic.OnPresenceAsync(tid, online, cancellationToken).ConfigureAwait(false);
                    handled = true;
                }
                if (handled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // A failing session layer must not take the broker connection down with it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogTrafficFailed(_logger, address?.Id, exception);
            return;
        }
        Interlocked.Increment(ref _ignoredMessages);
        LogIgnored(_logger, message.Topic, message.Retain);
    }

    private async Task SendControlAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken)
    {
        await WaitUntilConnectedAsync(cancellationToken).ConfigureAwait(false);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(MosquittoDynamicSecurity.ControlTopic)
            .WithPayloadSegment(command)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        MqttClientPublishResult result;
        try
        {
            result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttCommunicationException exception)
        {
            throw new DynamicSecurityException("The connection to the broker failed while sending a dynamic-security command.", exception);
        }
        // Mosquitto acknowledges $CONTROL publishes even without the plugin (that case ends in the
        // answer timeout); a broker that routes $CONTROL like any topic says 0x10 instead.
        if (result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
        {
            throw new DynamicSecurityException(
                $"Nothing listens on {MosquittoDynamicSecurity.ControlTopic} (PUBACK 0x10): load mosquitto_dynamic_security.so in mosquitto.conf, "
                + "or set Cloud:Mqtt:External:MosquittoDynamicSecurity to false when the broker authenticates gateways another way (docs/broker.md).");
        }
        if (result.ReasonCode != MqttClientPublishReasonCode.Success)
        {
            throw new DynamicSecurityException(
                $"The broker refused the dynamic-security command (PUBACK 0x{(int)result.ReasonCode:X2} {result.ReasonCode}); "
                + $"the cloud's user '{_options.Username}' needs publishClientSend on $CONTROL/dynamic-security/# (docs/broker.md).");
        }
    }

    private async Task PublishOfflineAsync(string tid, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.GatewayAvailability(tid))
            .WithPayload(Topics.Offline)
            .WithRetainFlag(true)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
            {
                LogOfflineNotPublished(_logger, tid, $"PUBACK 0x{(int)result.ReasonCode:X2} {result.ReasonCode}");
            }
        }
        catch (MqttCommunicationException exception)
        {
            LogOfflineNotPublished(_logger, tid, exception.Message);
        }
    }

    private static bool From(List<uint>? identifiers, uint identifier) =>
        identifiers is null || identifiers.Count == 0 || identifiers.Contains(identifier);

    /// <summary><see cref="Topics.Online"/> or <see cref="Topics.Offline"/>; null for anything else.</summary>
    private static bool? ParseAvailability(ReadOnlySequence<byte> payload)
    {
        if (payload.Length is 0 or > 16)
        {
            return null;
        }
        Span<byte> bytes = stackalloc byte[16];
        payload.CopyTo(bytes);
        var text = bytes[..(int)payload.Length];
        return text.SequenceEqual("online"u8) ? true : text.SequenceEqual("offline"u8) ? false : null;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
