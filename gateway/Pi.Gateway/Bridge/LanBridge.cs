using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pi.Gateway.Cloud;
using Pi.Gateway.Hosting;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Bridge;

/// <summary>
/// The sub-device LAN bridge (docs/protocol.md, section 10): a local MQTT broker for the
/// sub-devices, the link handshake, the opening of every up-packet under its link key into the
/// persistent offline queue, the relay of that queue to the cloud under the sessionkey, commands
/// from the cloud to sub-devices (and their answers back), the pairing window, revocation, and the
/// retained bridge state. Up-packets are taken in-process where they arrive and never routed
/// through the broker's subscription matching; down-packets are enqueued straight into the one
/// sub-device's MQTT session, so the cost of a packet does not grow with the number of connected
/// sub-devices.
/// </summary>
public sealed partial class LanBridge : IHostedService, IPairingWindow, ISubDeviceBridge, ICloudRequestHandler, IAsyncDisposable
{
    private const string EndpointItem = "pi.endpoint";
    private const string DidItem = "pi.did";
    private const string BridgeClientId = "pi-gateway-bridge";

    private readonly BridgeOptions _options;
    private readonly SubDeviceKeys _keys;
    private readonly Func<CancellationToken, Task<IUpQueue>> _openQueue;
    private IUpQueue _queue = null!;
    private readonly CloudClient _cloud;
    private readonly GatewayRequestHandler _gatewayCommands;
    private readonly BridgeCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger<LanBridge> _logger;
    private readonly ConcurrentDictionary<string, Link> _links = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Did, string Txn), TaskCompletionSource<SessionMessage>> _commands = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _pairingLock = new();
    private readonly SemaphoreSlim _cloudSignal = new(0, int.MaxValue);
    private MqttServer? _server;
    private LanServerAdapter? _adapter;
    private X509Certificate2? _certificate;
    private Task? _pump;
    private ITimer? _pairingTimer;
    private ITimer? _stateTimer;
    private DateTimeOffset? _pairingUntil;
    private int _statePending;
    private uint _nextKeyId = (uint)Random.Shared.Next(1, int.MaxValue);
    private int _connections;

    public LanBridge(
        IOptions<BridgeOptions> options,
        SubDeviceKeys keys,
        Func<CancellationToken, Task<IUpQueue>> openQueue,
        CloudClient cloud,
        GatewayRequestHandler gatewayCommands,
        BridgeCounters counters,
        TimeProvider time,
        ILogger<LanBridge> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _keys = keys;
        _openQueue = openQueue;
        _cloud = cloud;
        _gatewayCommands = gatewayCommands;
        _counters = counters;
        _time = time;
        _logger = logger;
    }

    /// <summary>The plain MQTT endpoint the sub-devices connect to, once started.</summary>
    public IPEndPoint? Endpoint => _adapter?.Endpoint;

    /// <summary>The MQTT over TLS endpoint, once started (when configured).</summary>
    public IPEndPoint? TlsEndpoint => _adapter?.TlsEndpoint;

    /// <summary>The offline queue (opened by <see cref="StartAsync"/>, closed by <see cref="DisposeAsync"/>).</summary>
    public IUpQueue Queue => _queue;

    /// <summary>The bridge's counters.</summary>
    public BridgeCounters Counters => _counters;

    /// <summary>Sub-devices linked now (connected and past their hello).</summary>
    public int LinkedCount => _links.Values.Count(l => l.IsLinked);

    /// <summary>Until when the pairing window is open (null when closed).</summary>
    public DateTimeOffset? PairingUntil
    {
        get
        {
            lock (_pairingLock)
            {
                return _pairingUntil;
            }
        }
    }

    /// <summary>Raised when a sub-device linked (did), for tests and diagnostics.</summary>
    public event Action<string>? Linked;

    /// <summary>Raised when a linked sub-device's connection ended (did).</summary>
    public event Action<string>? Unlinked;

    /// <summary>Raised when the pairing window opens (its end) or closes (null).</summary>
    public event Action<DateTimeOffset?>? PairingChanged;

    /// <summary>Raised after the sub-device keys were read again and revocations carried out.</summary>
    public event Action? KeysReloaded;

    /// <summary>Raised after the cloud acknowledged a relay (its last seq).</summary>
    public event Action<long>? Relayed;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _queue = await _openQueue(cancellationToken).ConfigureAwait(false);
        await _keys.ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(_options.TlsCertificatePath))
        {
            _certificate = X509CertificateLoader.LoadPkcs12FromFile(_options.TlsCertificatePath, _options.TlsCertificatePassword);
        }
        _adapter = new LanServerAdapter(
            IPAddress.Parse(_options.ListenAddress), _options.Port, _options.TlsPort, _certificate, _options.MaxPacketSize,
            remote => _counters.Refuse(remote?.ToString() ?? "?", BridgeRefusals.PacketTooLarge));
        var serverOptions = new MqttServerOptionsBuilder()
            .WithPersistentSessions(false)
            .WithMaxPendingMessagesPerClient(1000)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions, [_adapter]);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.ClientConnectedAsync += _ =>
        {
            Interlocked.Increment(ref _connections);
            return Task.CompletedTask;
        };
        _server.ClientDisconnectedAsync += OnDisconnectedAsync;
        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new InvalidOperationException(
                $"The sub-device bridge cannot listen on {_options.ListenAddress} port {_options.Port} (TLS {_options.TlsPort}): {e.SocketErrorCode}. " +
                "Another MQTT broker may hold the port: stop it, or set Bridge:Port (or Bridge:Enabled=false).", e);
        }
        _cloud.Event += OnCloudEvent;
        _cloud.ConnectionChanged += OnCloudConnectionChanged;
        _queue.Changed += OnQueueChanged;
        _stateTimer = _time.CreateTimer(_ => FlushState(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        await PublishPairingAsync().ConfigureAwait(false);
        await PublishStateAsync(BridgeRunState.Online).ConfigureAwait(false);
        _pump = Task.Run(() => PumpAsync(_stopping.Token), CancellationToken.None);
        LogStarted(_logger, Endpoint, TlsEndpoint, _keys.Count);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null || _stopping.IsCancellationRequested)
        {
            return;
        }
        _cloud.Event -= OnCloudEvent;
        _cloud.ConnectionChanged -= OnCloudConnectionChanged;
        _queue.Changed -= OnQueueChanged;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_pump is { } pump)
        {
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _pairingTimer?.Dispose();
        _stateTimer?.Dispose();
        try
        {
            await PublishStateAsync(BridgeRunState.Offline).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // the server is already stopping
        }
        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        foreach (var (_, waiter) in _commands)
        {
            waiter.TrySetCanceled(CancellationToken.None);
        }
        foreach (var link in _links.Values)
        {
            link.Dispose();
        }
        _links.Clear();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_queue is not null)
        {
            await _queue.DisposeAsync().ConfigureAwait(false);
        }
        _server?.Dispose();
        _adapter?.Dispose();
        _certificate?.Dispose();
        _stopping.Dispose();
        _cloudSignal.Dispose();
    }

    /// <inheritdoc />
    public void Open(TimeSpan duration)
    {
        DateTimeOffset until;
        lock (_pairingLock)
        {
            until = _time.GetUtcNow() + duration;
            _pairingUntil = until;
            _pairingTimer ??= _time.CreateTimer(_ => ClosePairing(expected: null), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _pairingTimer.Change(duration, Timeout.InfiniteTimeSpan);
        }
        LogPairingOpened(_logger, until);
        _ = PublishPairingSafelyAsync();
        PairingChanged?.Invoke(until);
    }

    /// <summary>Closes the pairing window now.</summary>
    public void ClosePairing() => ClosePairing(expected: null);

    /// <summary>
    /// Factory reset: every sub-device is revoked and disconnected, and the offline queue is wiped
    /// (nothing of the old owner's is sent after the reset).
    /// </summary>
    public async Task WipeAsync(CancellationToken cancellationToken)
    {
        var gone = await _keys.WipeAsync(cancellationToken).ConfigureAwait(false);
        await RevokeAsync(gone).ConfigureAwait(false);
        await _queue.WipeAsync(cancellationToken).ConfigureAwait(false);
        ClosePairing();
        LogWiped(_logger, gone.Count);
    }

    /// <inheritdoc />
    public async Task<SessionMessage> HandleAsync(SessionRequest request, string? did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        did ??= request.Did;
        if (did is not null)
        {
            return await CommandAsync(did, request, cancellationToken).ConfigureAwait(false);
        }
        switch (request.Command)
        {
            case "pairing.open":
                var seconds = ReadSeconds(request.Args);
                if (seconds is null)
                {
                    return Error(request.Txn, Pi.Protocol.Errors.ProtocolErrorCode.InvalidField, "args.seconds must be 1 to 3600");
                }
                Open(seconds == 0 ? _options.PairingWindow : TimeSpan.FromSeconds(seconds.Value));
                return new SessionResponse(request.Txn, true, JsonSerializer.SerializeToElement(PairingStatus(), ProtocolJsonContext.Default.PairingStatus));
            case "pairing.close":
                ClosePairing();
                return new SessionResponse(request.Txn, true, JsonSerializer.SerializeToElement(PairingStatus(), ProtocolJsonContext.Default.PairingStatus));
            case "bridge.state":
                return new SessionResponse(request.Txn, true, JsonSerializer.SerializeToElement(Status(BridgeRunState.Online), ProtocolJsonContext.Default.BridgeStatus));
            default:
                return await _gatewayCommands.HandleAsync(request, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int? ReadSeconds(JsonElement? args)
    {
        if (args is not { ValueKind: JsonValueKind.Object } element || !element.TryGetProperty("seconds", out var seconds))
        {
            return args is null or { ValueKind: JsonValueKind.Object } ? 0 : null;
        }
        return seconds.ValueKind == JsonValueKind.Number && seconds.TryGetInt32(out var value) && value is >= 1 and <= 3600 ? value : null;
    }

    private static SessionResponse Error(string txn, Pi.Protocol.Errors.ProtocolErrorCode code, string message) =>
        new(txn, false, Error: new ErrorInfo(code, message));

    private bool IsPairingOpen()
    {
        lock (_pairingLock)
        {
            return _pairingUntil is { } until && until > _time.GetUtcNow();
        }
    }

    private void ClosePairing(DateTimeOffset? expected)
    {
        lock (_pairingLock)
        {
            if (_pairingUntil is null || (expected is not null && _pairingUntil != expected))
            {
                return;
            }
            _pairingUntil = null;
            _pairingTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        LogPairingClosed(_logger);
        _ = PublishPairingSafelyAsync();
        PairingChanged?.Invoke(null);
    }

    private PairingStatus PairingStatus()
    {
        var until = PairingUntil;
        return until is { } u ? new PairingStatus(true, u) : new PairingStatus(false);
    }

    private BridgeStatus Status(BridgeRunState state) =>
        new(state, _cloud.IsConnected, _queue.Count, _queue.DroppedTotal);

    private async Task PublishPairingSafelyAsync()
    {
        try
        {
            await PublishPairingAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // stopping
        }
    }

    private Task PublishPairingAsync() =>
        PublishRetainedAsync(Topics.BridgePairing, ProtocolJson.Serialize(PairingStatus()));

    private Task PublishStateAsync(BridgeRunState state) =>
        PublishRetainedAsync(Topics.BridgeState, ProtocolJson.Serialize(Status(state)));

    private Task PublishRetainedAsync(string topic, byte[] payload)
    {
        if (_server is not { IsStarted: true } server)
        {
            return Task.CompletedTask;
        }
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = BridgeClientId });
    }

    private void OnQueueChanged()
    {
        // The queue changes with every packet: the retained state follows at most every StateInterval.
        if (Interlocked.Exchange(ref _statePending, 1) == 0)
        {
            _stateTimer?.Change(_options.StateInterval, Timeout.InfiniteTimeSpan);
        }
    }

    private void FlushState()
    {
        Interlocked.Exchange(ref _statePending, 0);
        _ = PublishStateSafelyAsync();
    }

    private async Task PublishStateSafelyAsync()
    {
        try
        {
            await PublishStateAsync(BridgeRunState.Online).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // stopping
        }
    }

    private void OnCloudConnectionChanged(bool connected)
    {
        _cloudSignal.Release();
        _ = PublishStateSafelyAsync();
    }

    private void OnCloudEvent(CloudEvent cloudEvent)
    {
        if (cloudEvent.Kind == CloudEventKind.SubDevicesChanged)
        {
            _ = ReloadKeysAsync();
        }
    }

    private async Task ReloadKeysAsync()
    {
        try
        {
            var gone = await _keys.ReloadAsync(_stopping.Token).ConfigureAwait(false);
            await RevokeAsync(gone).ConfigureAwait(false);
            KeysReloaded?.Invoke();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RevokeAsync(IReadOnlyList<string> dids)
    {
        foreach (var did in dids)
        {
            IReadOnlyList<string> clientIds = [did];
            if (_links.TryGetValue(did, out var link))
            {
                clientIds = [.. link.ClientIds().Append(did).Distinct(StringComparer.Ordinal)];
                await EndLinkAsync(link, announce: true).ConfigureAwait(false);
            }
            if (_server is { IsStarted: true } server)
            {
                foreach (var clientId in clientIds)
                {
                    try
                    {
                        await server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = "revoked" }).ConfigureAwait(false);
                    }
                    catch (InvalidOperationException)
                    {
                        // not connected
                    }
                }
            }
            LogRevoked(_logger, did);
        }
    }

    [LoggerMessage(EventId = 4320, Level = LogLevel.Information, Message = "Sub-device bridge listening on {Endpoint} (TLS {TlsEndpoint}); {Count} sub-devices known")]
    private static partial void LogStarted(ILogger logger, IPEndPoint? endpoint, IPEndPoint? tlsEndpoint, int count);

    [LoggerMessage(EventId = 4321, Level = LogLevel.Information, Message = "Pairing window open until {Until:O}")]
    private static partial void LogPairingOpened(ILogger logger, DateTimeOffset until);

    [LoggerMessage(EventId = 4322, Level = LogLevel.Information, Message = "Pairing window closed")]
    private static partial void LogPairingClosed(ILogger logger);

    [LoggerMessage(EventId = 4323, Level = LogLevel.Information, Message = "Sub-device {Did} revoked and disconnected")]
    private static partial void LogRevoked(ILogger logger, string did);

    [LoggerMessage(EventId = 4324, Level = LogLevel.Warning, Message = "Bridge wiped by a factory reset: {Count} sub-devices revoked, offline queue emptied")]
    private static partial void LogWiped(ILogger logger, int count);
}
