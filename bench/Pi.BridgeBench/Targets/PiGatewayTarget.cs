using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using Pi.BridgeBench.Targets.PiGateway;
using Pi.Cloud.Http;
using Pi.Cloud.Sessions;
using Pi.Cloud.Testing;
using Pi.Gateway.Bridge;
using Pi.Gateway.Bridge.Queue;
using Pi.Gateway.Cloud;
using Pi.Gateway.State;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.BridgeBench.Targets;

/// <summary>
/// The Pi gateway's LAN bridge carrying sub-device traffic to the Pi cloud, both real and both in
/// this process: the cloud host (<c>Pi.Cloud.Testing</c>'s <see cref="CloudHost"/>: Kestrel with TLS,
/// the embedded MQTTnet broker, a SQLite file), one registered and bound gateway whose
/// <see cref="CloudClient"/> logs in and opens its session channel, and its <see cref="LanBridge"/>
/// (its own MQTTnet broker on 127.0.0.1, a port the system picks), wired as the gateway's tests wire
/// them (<c>BridgeHarness</c>).
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Sub-devices: one per publisher (<c>bench-pub-…</c> in the report is the harness's name;
/// the did is the cloud's), one per idle client and one probe, added through the APP API
/// (<c>POST api/gateways/{tid}/subdevices</c>; the gateway learns them by <c>subDeviceAdded</c>),
/// then the pairing window is opened with the cloud command <c>pairing.open</c> (3,600 s) so every
/// one may link.</item>
/// <item>Clients: <see cref="MqttBridgeClient"/> with client id = username = did, password = the
/// LAN password (section 3.7), topic <c>pi/v2/dev/{did}/up</c>, and a <see cref="PiSubDeviceLink"/>:
/// hello/welcome after every connect, then each harness payload as a telemetry request
/// (<see cref="BenchTelemetry"/>) sealed under the link key. Idle clients link and stay silent.</item>
/// <item>Cloud side: <see cref="GatewayPresence.TelemetryReceived"/>, which the cloud raises once
/// for every telemetry item of a relay it handled (after the store committed the relay, before the
/// ack), decoded back to the harness bytes.</item>
/// <item>Readiness: a probe sub-device links and publishes probe payloads until one arrives on the
/// cloud side (no fixed sleeps).</item>
/// <item>Offline queue: the gateway's <see cref="FileUpQueue"/> unless a queue factory is given;
/// the notes say which one ran.</item>
/// </list>
/// </remarks>
public sealed class PiGatewayTarget : IBridgeTarget
{
    /// <summary>Seconds the pairing window is opened for (the protocol's maximum).</summary>
    public const int PairingSeconds = 3600;

    private const int AddConcurrency = 8;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(500);

    private readonly Func<string, CancellationToken, ValueTask<IUpQueue>> _openQueue;
    private readonly string _queueDescription;
    private readonly Lock _gate = new();
    private readonly List<PiSubDeviceLink> _links = [];
    private readonly List<string> _notes = [];
    private string? _directory;
    private CloudHost? _cloud;
    private AppUser? _user;
    private HttpClient? _gatewayHttp;
    private CloudClient? _client;
    private BridgeCounters? _counters;
    private SubDeviceKeys? _keys;
    private IUpQueue? _queue;
    private LanBridge? _bridge;
    private GatewayPresence? _presence;
    private IDeliveryObserver? _observer;
    private string? _tid;
    private TaskCompletionSource? _probeSeen;
    private long _relays;
    private long _lastRelayedSeq;
    private long _probeSequence;

    /// <summary>
    /// The Pi target with the gateway's real offline queue (<see cref="FileUpQueue"/>, sync interval
    /// 1 s as shipped), sized so that a whole run fits: the bench measures delivery, not drops.
    /// </summary>
    public PiGatewayTarget()
        : this(
            async (directory, ct) => await FileUpQueue.OpenAsync(
                new UpQueueOptions { Directory = Path.Combine(directory, "queue"), MaxItems = 25_000_000, MaxBytes = 16L * 1024 * 1024 * 1024 },
                TimeProvider.System, NullLogger<FileUpQueue>.Instance, ct).ConfigureAwait(false),
            "the gateway's file queue (FileUpQueue, fsync at most every 1 s, as shipped)")
    {
    }

    /// <param name="openQueue">Opens the bridge's offline queue in the given gateway data directory.</param>
    /// <param name="queueDescription">What that queue is, for the notes.</param>
    public PiGatewayTarget(Func<string, CancellationToken, ValueTask<IUpQueue>> openQueue, string queueDescription)
    {
        _openQueue = openQueue;
        _queueDescription = queueDescription;
    }

    public string Name => "pi";

    /// <summary>The temporary directory (gateway data, cloud data); null before start and after stop.</summary>
    public string? Directory => _directory;

    /// <summary>The bridge while it runs (for tests).</summary>
    internal LanBridge? Bridge => _bridge;

    public async Task<BridgeEndpoints> StartAsync(BridgeTargetOptions options, IDeliveryObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        if (_directory is not null)
        {
            throw new InvalidOperationException("Already started.");
        }
        _observer = observer;
        _directory = System.IO.Directory.CreateTempSubdirectory("pi-bridgebench-pi-").FullName;
        ChildProcesses.RegisterDirectory(_directory);
        var gatewayDirectory = System.IO.Directory.CreateDirectory(Path.Combine(_directory, "gateway")).FullName;

        // The cloud as the gateway's tests start it (CloudHost's defaults: free ports, TLS, SQLite
        // in WAL mode, logging at Warning), with its data inside our directory.
        _cloud = await CloudHost.StartAsync("sqlite", new Dictionary<string, string?>
        {
            ["Cloud:DataDirectory"] = Path.Combine(_directory, "cloud"),
        }).ConfigureAwait(false); // not abandoned on cancellation: StopAsync must be able to stop it
        cancellationToken.ThrowIfCancellationRequested();
        _user = await _cloud.NewUserAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var registration = await _user.RegisterAndBindAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        _tid = registration.Tid;
        _presence = _cloud.Service<GatewayPresence>();
        _presence.TelemetryReceived += OnTelemetry;

        var total = options.Publishers + options.IdleClients + 1;
        var bridgeOptions = new BridgeOptions
        {
            ListenAddress = "127.0.0.1",
            Port = 0,
            // The defaults (50/s, burst 200 per sub-device) are for real sensors: a load run needs more.
            RatePerSecond = 1_000_000,
            RateBurst = 10_000_000,
            MaxConnections = total + 16,
            RelayMaxItems = 256,
            // The most the options allow: with 256 B payloads an item is about 0.5 KiB, so the bytes,
            // not the 256 items, bound a relay (about 120 items).
            RelayMaxBytes = 60 * 1024,
            RelayWindow = options.RelayWindow,
        };
        var problems = bridgeOptions.Validate();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", problems));
        }
        var store = new BenchStateStore(new GatewayRegistration(
            registration.Tid, new SecretString(registration.Password), SymmetricKey.Parse(registration.AccessKey), SymmetricKey.Parse(registration.LocalKey),
            registration.KeyId, registration.KeyExpiresAt, registration.ServiceExpiresAt, registration.CloudUrl!, DateTimeOffset.UtcNow));
        var clientOptions = new CloudClientOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) };
        clientOptions.TrustedCertificateSha256.Add(Convert.ToHexString(_cloud.CertificateHash!));
        var trust = new CloudTrust(clientOptions.TrustedCertificateSha256);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => trust.Validate(cert, errors);
        _gatewayHttp = new HttpClient(handler);
        var deferred = new DeferredHandler();
        _client = new CloudClient(store, new CloudLoginClient(_gatewayHttp), trust, Options.Create(clientOptions), deferred, TimeProvider.System, NullLogger<CloudClient>.Instance);
        _counters = new BridgeCounters(TimeProvider.System, NullLogger<BridgeCounters>.Instance);
        _keys = new SubDeviceKeys(store, Options.Create(new StateOptions { DataDirectory = gatewayDirectory }), NullLogger<SubDeviceKeys>.Instance);
        _queue = await _openQueue(gatewayDirectory, cancellationToken).ConfigureAwait(false);
        var opened = _queue;
        _bridge = new LanBridge(Options.Create(bridgeOptions), _keys, _ => Task.FromResult(opened), _client, new GatewayRequestHandler(), _counters, TimeProvider.System, NullLogger<LanBridge>.Instance);
        deferred.Target = _bridge;
        _bridge.Relayed += OnRelayed;
        await _bridge.StartAsync(cancellationToken).ConfigureAwait(false);

        var login = await _client.LogInAsync(cancellationToken).ConfigureAwait(false);
        if (!login.Succeeded)
        {
            throw new InvalidOperationException($"the gateway's login failed: {login.Detail}");
        }
        var (connected, _, detail) = await _client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (!connected)
        {
            throw new InvalidOperationException($"the gateway's session channel did not open: {detail}");
        }

        var addWatch = Stopwatch.StartNew();
        var subDevices = await AddSubDevicesAsync(total, cancellationToken).ConfigureAwait(false);
        addWatch.Stop();
        await OpenPairingAsync(cancellationToken).ConfigureAwait(false);

        var port = _bridge.Endpoint!.Port;
        var publishers = subDevices[..options.Publishers];
        var idle = subDevices[options.Publishers..^1];
        var probe = subDevices[^1];
        var envelopeSize = await WaitUntilCarriedAsync(port, probe, options, cancellationToken).ConfigureAwait(false);

        var plaintext = BenchTelemetry.PlaintextSize(options.PayloadSize, txnDigits: 5);
        _notes.AddRange(
        [
            "both legs sealed: LAN under each sub-device's link key (hello/welcome per connection, envelope direction 05, did set), "
                + "WAN under the gateway's sessionkey (relay envelopes, direction 03) on TLS MQTT to the cloud's embedded broker",
            Invariant($"payload: {options.PayloadSize} B harness bytes -> Base64 in a telemetry request {{\"type\":\"request\",\"txn\":..,\"command\":\"telemetry\",\"args\":{{\"b\":\"..\"}}}} ")
                + Invariant($"= about {plaintext} B JSON plaintext -> {envelopeSize} B sealed envelope on the LAN (mosquitto carries the {options.PayloadSize} B as they are)"),
            Invariant($"relay batching: up to {bridgeOptions.RelayMaxItems} items / {bridgeOptions.RelayMaxBytes / 1024} KiB per relay, up to {bridgeOptions.RelayWindow} relays in flight; ")
                + "the cloud commits each relay in one SQLite (WAL) transaction before its ack and raises TelemetryReceived per item",
            "cloud (Kestrel, embedded MQTTnet broker, SQLite) and gateway (LAN MQTTnet broker, bridge, cloud client) run inside the harness process: their CPU is in the 'harness' figure, with the clients'",
            $"offline queue: {_queueDescription}",
            Invariant($"bridge: RatePerSecond {bridgeOptions.RatePerSecond:N0}, RateBurst {bridgeOptions.RateBurst:N0} (defaults 50/200 would refuse the load), MaxConnections {bridgeOptions.MaxConnections:N0}; ")
                + Invariant($"cloud: CloudHost test defaults, nothing changed; {total:N0} sub-devices added in {addWatch.Elapsed.TotalSeconds:F1} s, pairing window {PairingSeconds} s"),
            Invariant($"gateway {_tid}, LAN broker 127.0.0.1:{port}, cloud MQTT port {_cloud.MqttPort}"),
        ]);

        var factory = new PiClientFactory(this, port, options.QualityOfService, publishers, idle);
        // The list grows at stop with the relay figures, before the report is printed.
        return new BridgeEndpoints(factory, [], _notes);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LanBridge? bridge;
        CloudClient? client;
        IUpQueue? queue;
        SubDeviceKeys? keys;
        BridgeCounters? counters;
        HttpClient? http;
        AppUser? user;
        CloudHost? cloud;
        string? directory;
        PiSubDeviceLink[] links;
        lock (_gate)
        {
            (bridge, client, queue, keys, counters, http, user, cloud, directory) = (_bridge, _client, _queue, _keys, _counters, _gatewayHttp, _user, _cloud, _directory);
            (_bridge, _client, _queue, _keys, _counters, _gatewayHttp, _user, _cloud, _directory) = (null, null, null, null, null, null, null, null, null);
            links = [.. _links];
            _links.Clear();
        }
        if (directory is null)
        {
            return;
        }
        var relays = Interlocked.Read(ref _relays);
        if (relays > 0)
        {
            _notes.Add(Invariant($"relays acknowledged: {relays:N0}, {(double)Interlocked.Read(ref _lastRelayedSeq) / relays:F1} queue items per relay on average (availability items included)"));
        }
        if (_presence is not null)
        {
            _presence.TelemetryReceived -= OnTelemetry;
        }
        if (bridge is not null)
        {
            bridge.Relayed -= OnRelayed;
            await bridge.DisposeAsync().ConfigureAwait(false);
        }
        if (client is not null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        if (queue is not null && bridge is null)
        {
            await queue.DisposeAsync().ConfigureAwait(false); // otherwise the bridge closed it
        }
        keys?.Dispose();
        counters?.Dispose();
        http?.Dispose();
        user?.Client.Dispose();
        if (cloud is not null)
        {
            await cloud.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var link in links)
        {
            link.Dispose();
        }
        ChildProcesses.DeleteDirectory(directory);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private void OnRelayed(long lastSeq)
    {
        Interlocked.Increment(ref _relays);
        Interlocked.Exchange(ref _lastRelayedSeq, lastSeq);
    }

    private void OnTelemetry(string tid, Telemetry telemetry)
    {
        var received = Stopwatch.GetTimestamp();
        if (!string.Equals(tid, _tid, StringComparison.Ordinal))
        {
            return;
        }
        if (BenchTelemetry.TryRead(telemetry.Payload, out var bytes)
            && BenchPayload.TryRead(bytes, out var publisherId, out var sequence, out var sent))
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
        else
        {
            _observer!.OnUnrecognized($"telemetry of {telemetry.Did}: {telemetry.Payload?.GetRawText() ?? "no args"}");
        }
    }

    /// <summary>Adds sub-devices through the APP API (a few at once) and waits until the bridge holds every one's keys.</summary>
    private async Task<(string Did, SymmetricKey LocalKey)[]> AddSubDevicesAsync(int count, CancellationToken cancellationToken)
    {
        var added = new (string Did, SymmetricKey LocalKey)[count];
        using var gate = new SemaphoreSlim(AddConcurrency);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var response = await _user!.Client.PostAsJsonAsync($"api/gateways/{_tid}/subdevices", new AddSubDeviceRequest("sensor"), cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"adding a sub-device failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
                }
                var body = (await response.Content.ReadFromJsonAsync<AddSubDeviceResponse>(cancellationToken).ConfigureAwait(false))!;
                added[i] = (body.Did, SymmetricKey.Parse(body.LocalKey));
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (added.Any(a => _keys!.Find(a.Did) is null))
            {
                await Task.Delay(20, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the gateway holds {added.Count(a => _keys!.Find(a.Did) is not null)} of {count} sub-devices' keys after 60 s");
        }
        return added;
    }

    private async Task OpenPairingAsync(CancellationToken cancellationToken)
    {
        var args = JsonSerializer.SerializeToElement(new Dictionary<string, int> { ["seconds"] = PairingSeconds });
        using var response = await _user!.Client.PostAsJsonAsync($"api/gateways/{_tid}/commands", new CommandRequest("pairing.open", null, args), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var answer = response.IsSuccessStatusCode ? JsonSerializer.Deserialize<CommandResponse>(body, JsonSerializerOptions.Web) : null;
        if (answer is not { Ok: true })
        {
            throw new InvalidOperationException($"pairing.open failed: {(int)response.StatusCode} {body}");
        }
    }

    /// <summary>
    /// Ready when a probe sub-device linked and a probe payload it published reached the cloud side;
    /// repeated every 500 ms, bounded. Returns the size of a sealed up-packet for the run's payload size.
    /// </summary>
    private async Task<int> WaitUntilCarriedAsync(int port, (string Did, SymmetricKey LocalKey) probe, BridgeTargetOptions options, CancellationToken cancellationToken)
    {
        _probeSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        using var link = new PiSubDeviceLink(probe.Did, probe.LocalKey);
        await using var client = new MqttBridgeClient(
            BenchPayload.ProbePublisherId, Endpoint(port, probe.Did, probe.LocalKey), Topics.DeviceUp(probe.Did), options.QualityOfService, link);
        try
        {
            await client.ConnectAsync(timeout.Token).ConfigureAwait(false);
            while (!_probeSeen.Task.IsCompleted)
            {
                var payload = BenchPayload.Create(BenchPayload.HeaderSize, BenchPayload.ProbePublisherId, ++_probeSequence, Stopwatch.GetTimestamp());
                var outcome = await client.PublishAsync(payload, timeout.Token).ConfigureAwait(false);
                if (!outcome.Acknowledged)
                {
                    throw new InvalidOperationException($"the bridge refused the probe: {outcome.Error}");
                }
                await Task.WhenAny(_probeSeen.Task, Task.Delay(ProbeInterval, timeout.Token)).ConfigureAwait(false);
                timeout.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the Pi bridge did not carry a probe end to end within {ReadyTimeout.TotalSeconds} s (cloud connected: {_client?.IsConnected})");
        }
        // The size of one sealed up-packet of the run's payload size (sealed, never sent: a counter gap is harmless).
        return link.Transform(new byte[options.PayloadSize]).Length;
    }

    private static MqttEndpoint Endpoint(int port, string did, SymmetricKey localKey) =>
        new("127.0.0.1", port, did, did, KeyDerivation.DeriveLanPassword(localKey, did).Reveal());

    private PiSubDeviceLink NewLink(string did, SymmetricKey localKey)
    {
        var link = new PiSubDeviceLink(did, localKey);
        lock (_gate)
        {
            _links.Add(link);
        }
        return link;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Sub-device clients with their own credentials and link.</summary>
    private sealed class PiClientFactory(
        PiGatewayTarget target, int port, MqttQualityOfServiceLevel qos,
        (string Did, SymmetricKey LocalKey)[] publishers, (string Did, SymmetricKey LocalKey)[] idle) : IBridgeClientFactory
    {
        public IBridgePublisher CreatePublisher(int publisherId)
        {
            var (did, key) = publishers[publisherId];
            return new MqttBridgeClient(publisherId, Endpoint(port, did, key), Topics.DeviceUp(did), qos, target.NewLink(did, key));
        }

        public IBridgeClient CreateIdleClient(int index)
        {
            var (did, key) = idle[index];
            return new MqttBridgeClient(-2, Endpoint(port, did, key), Topics.DeviceUp(did), qos, target.NewLink(did, key));
        }
    }

    /// <summary>The cloud client needs its request handler before the bridge (which needs the client) exists.</summary>
    private sealed class DeferredHandler : ICloudRequestHandler
    {
        public LanBridge? Target { get; set; }

        public Task<SessionMessage> HandleAsync(SessionRequest request, string? did, CancellationToken cancellationToken) =>
            Target!.HandleAsync(request, did, cancellationToken);
    }
}
