using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pi.Cloud.Http;
using Pi.Cloud.Testing;
using Pi.Gateway.Bridge;
using Pi.Gateway.Bridge.Queue;
using Pi.Gateway.Cloud;
using Pi.Gateway.State;
using Pi.Gateway.Tests.Cloud;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>
/// The real cloud host, a registered and bound gateway's cloud client, and the real LAN bridge on
/// 127.0.0.1 (a port the system picks), wired as the gateway's host wires them.
/// </summary>
internal sealed class BridgeHarness : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsCloud;
    private bool _restarted;

    private BridgeHarness(CloudHost cloud, AppUser user, RegisterGatewayResponse registration, string dataDirectory, IUpQueue queue, BridgeOptions options, bool ownsCloud, MemoryStateStore? store, Provisioning.CapturedLog? log)
    {
        Cloud = cloud;
        User = user;
        Registration = registration;
        DataDirectory = dataDirectory;
        Queue = queue;
        _ownsCloud = ownsCloud;
        var clientOptions = new CloudClientOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) };
        clientOptions.TrustedCertificateSha256.Add(Convert.ToHexString(cloud.CertificateHash!));
        var trust = new CloudTrust(clientOptions.TrustedCertificateSha256);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => trust.Validate(cert, errors);
        _http = new HttpClient(handler);
        Store = store ?? new MemoryStateStore();
        Store.Registration ??= new GatewayRegistration(
            registration.Tid, new SecretString(registration.Password), SymmetricKey.Parse(registration.AccessKey), SymmetricKey.Parse(registration.LocalKey),
            registration.KeyId, registration.KeyExpiresAt, registration.ServiceExpiresAt, registration.CloudUrl!, DateTimeOffset.UtcNow);
        var deferred = new DeferredHandler();
        Client = new CloudClient(Store, new CloudLoginClient(_http), trust, Options.Create(clientOptions), deferred, TimeProvider.System, log?.For<CloudClient>() ?? NullLogger<CloudClient>.Instance);
        Counters = new BridgeCounters(TimeProvider.System, log?.For<BridgeCounters>() ?? NullLogger<BridgeCounters>.Instance);
        Keys = new SubDeviceKeys(Store, Options.Create(new StateOptions { DataDirectory = dataDirectory }), log?.For<SubDeviceKeys>() ?? NullLogger<SubDeviceKeys>.Instance);
        Bridge = new LanBridge(Options.Create(options), Keys, _ => Task.FromResult(queue), Client, new GatewayRequestHandler(), Counters, TimeProvider.System, log?.For<LanBridge>() ?? NullLogger<LanBridge>.Instance);
        deferred.Target = Bridge;
    }

    public CloudHost Cloud { get; }

    public AppUser User { get; }

    public RegisterGatewayResponse Registration { get; }

    public string Tid => Registration.Tid;

    public string DataDirectory { get; }

    public IUpQueue Queue { get; }

    public MemoryStateStore Store { get; }

    public CloudClient Client { get; }

    public BridgeCounters Counters { get; }

    public SubDeviceKeys Keys { get; }

    public LanBridge Bridge { get; }

    public int Port => Bridge.Endpoint!.Port;

    public static async Task<BridgeHarness> StartAsync(Action<BridgeOptions>? configure = null, IDictionary<string, string?>? cloudSettings = null, Func<string, Task<IUpQueue>>? queue = null, Provisioning.CapturedLog? log = null, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configureCloud = null)
    {
        var cloud = await CloudHost.StartAsync("sqlite", cloudSettings, configure: configureCloud);
        var user = await cloud.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        var dataDirectory = Directory.CreateTempSubdirectory("pi-bridge-").FullName;
        var harness = Create(cloud, user, registration, dataDirectory, configure, await OpenQueueAsync(queue, dataDirectory), ownsCloud: true, store: null, log);
        await harness.StartBridgeAsync();
        return harness;
    }

    /// <summary>The same gateway again (same cloud, state and data directory), as after a restart.</summary>
    public async Task<BridgeHarness> RestartAsync(Action<BridgeOptions>? configure = null, Func<string, Task<IUpQueue>>? queue = null)
    {
        await StopGatewayAsync();
        _restarted = true;
        var next = Create(Cloud, User, Registration, DataDirectory, configure, await OpenQueueAsync(queue, DataDirectory), ownsCloud: _ownsCloud, store: Store, log: null);
        await next.StartBridgeAsync();
        return next;
    }

    /// <summary>The real file queue in the gateway's data directory.</summary>
    public static Func<string, Task<IUpQueue>> FileQueue(Action<UpQueueOptions>? configure = null) => async directory =>
    {
        var options = new UpQueueOptions { Directory = Path.Combine(directory, "queue") };
        configure?.Invoke(options);
        return await FileUpQueue.OpenAsync(options, TimeProvider.System, NullLogger<FileUpQueue>.Instance, default);
    };

    private static async Task<IUpQueue> OpenQueueAsync(Func<string, Task<IUpQueue>>? queue, string directory) =>
        await (queue ?? FileQueue())(directory);

    private static BridgeHarness Create(CloudHost cloud, AppUser user, RegisterGatewayResponse registration, string dataDirectory, Action<BridgeOptions>? configure, IUpQueue queue, bool ownsCloud, MemoryStateStore? store, Provisioning.CapturedLog? log)
    {
        var options = new BridgeOptions { ListenAddress = "127.0.0.1", Port = 0, RatePerSecond = 10_000, RateBurst = 10_000 };
        configure?.Invoke(options);
        Assert.Empty(options.Validate());
        return new BridgeHarness(cloud, user, registration, dataDirectory, queue, options, ownsCloud, store, log);
    }

    private async Task StartBridgeAsync() => await Bridge.StartAsync(default);

    /// <summary>Logs in and opens the session channel.</summary>
    public async Task OnlineAsync()
    {
        var attempt = await Client.LogInAsync(default);
        Assert.True(attempt.Succeeded, attempt.Detail);
        var (connected, _, detail) = await Client.ConnectAsync(default);
        Assert.True(connected, detail);
    }

    /// <summary>The APP adds a sub-device; returns once the bridge holds its keys.</summary>
    public async Task<(string Did, SymmetricKey LocalKey)> AddSubDeviceAsync(string kind = "sensor")
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnReloaded() => reloaded.TrySetResult();
        Bridge.KeysReloaded += OnReloaded;
        try
        {
            var response = await User.Client.PostAsJsonAsync($"api/gateways/{Tid}/subdevices", new AddSubDeviceRequest(kind));
            response.EnsureSuccessStatusCode();
            var added = (await response.Content.ReadFromJsonAsync<AddSubDeviceResponse>())!;
            Assert.True(added.Delivered);
            await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return (added.Did, SymmetricKey.Parse(added.LocalKey));
        }
        finally
        {
            Bridge.KeysReloaded -= OnReloaded;
        }
    }

    /// <summary>The APP removes a sub-device; returns once the bridge revoked it.</summary>
    public async Task RemoveSubDeviceAsync(string did)
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnReloaded() => reloaded.TrySetResult();
        Bridge.KeysReloaded += OnReloaded;
        try
        {
            var response = await User.Client.DeleteAsync($"api/gateways/{Tid}/subdevices/{did}");
            response.EnsureSuccessStatusCode();
            await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Bridge.KeysReloaded -= OnReloaded;
        }
    }

    /// <summary>The APP sends a command through the cloud.</summary>
    public async Task<CommandResponse> CommandAsync(string command, string? did = null, object? args = null, int? timeoutMs = null)
    {
        var element = args is null ? (System.Text.Json.JsonElement?)null : System.Text.Json.JsonSerializer.SerializeToElement(args);
        var response = await User.Client.PostAsJsonAsync($"api/gateways/{Tid}/commands", new CommandRequest(command, did, element, timeoutMs));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode || (int)response.StatusCode is 503 or 504, body);
        return System.Text.Json.JsonSerializer.Deserialize<CommandResponse>(body, System.Text.Json.JsonSerializerOptions.Web)!;
    }

    public LanTestDevice Device(string did, SymmetricKey localKey) => new(did, localKey, Port);

    /// <summary>A sub-device that the pairing window admits and that links.</summary>
    public async Task<LanTestDevice> LinkedDeviceAsync(string kind = "sensor")
    {
        var (did, key) = await AddSubDeviceAsync(kind);
        Bridge.Open(TimeSpan.FromMinutes(1));
        var device = Device(did, key);
        await device.LinkAsync();
        return device;
    }

    public async Task StopGatewayAsync()
    {
        await Bridge.DisposeAsync(); // and its queue
        await Client.DisposeAsync();
        Keys.Dispose();
        Counters.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_restarted)
        {
            await StopGatewayAsync();
        }
        _http.Dispose();
        if (_ownsCloud && !_restarted)
        {
            await Cloud.DisposeAsync();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed class DeferredHandler : ICloudRequestHandler
    {
        public LanBridge? Target { get; set; }

        public Task<SessionMessage> HandleAsync(SessionRequest request, string? did, CancellationToken cancellationToken) =>
            Target!.HandleAsync(request, did, cancellationToken);
    }
}
