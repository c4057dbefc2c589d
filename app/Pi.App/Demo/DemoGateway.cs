using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pi.Gateway.Bridge;
using Pi.Gateway.Core;
using Pi.Gateway.Hosting;
using Pi.Gateway.Qr;
using Pi.Gateway.State;
using Pi.Protocol.Labels;

namespace Pi.App.Demo;

/// <summary>
/// The gateway service (gateway/Pi.Gateway, built as its Program.cs builds it) with simulated
/// hardware: a simulated Wi-Fi world (the home router whose password the demo knows, and two
/// neighbours), the virtual GPIO driver on a Unix socket, state files under <c>gateway/</c> of the
/// demo's data directory. Provisioning listens on 127.0.0.1 (free ports), answers go to the APP's
/// answer port, the sub-device bridge listens on a free loopback port, and the cloud's development
/// certificate is trusted by its fingerprint.
/// </summary>
internal sealed class DemoGateway : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly GatewayRunner _runner;
    private readonly Channel<GatewayState> _states = Channel.CreateUnbounded<GatewayState>();

    private DemoGateway(IHost host, string directory, string routerSsid)
    {
        _host = host;
        Directory = directory;
        RouterSsid = routerSsid;
        _runner = host.Services.GetRequiredService<GatewayRunner>();
        _runner.Transitioned += t => _states.Writer.TryWrite(t.To); // raised after the transition's commands ran
        Bridge = host.Services.GetRequiredService<LanBridge>();
    }

    public string Directory { get; }

    public string RouterSsid { get; }

    public GatewayState State => _runner.State;

    public LanBridge Bridge { get; }

    /// <summary>port1 (UDP) where the APP sends searchDevice, while the gateway is not registered.</summary>
    public IPEndPoint SearchEndPoint => _runner.ProvisioningServer?.SearchEndPoint
        ?? throw new InvalidOperationException("the gateway's provisioning listener is not running");

    /// <summary>The local MQTT broker for sub-devices.</summary>
    public IPEndPoint BridgeEndPoint => Bridge.Endpoint ?? throw new InvalidOperationException("the sub-device bridge is not listening");

    public string GpioSocketPath => Path.Combine(Directory, "gpio.sock");

    /// <summary>
    /// Writes the simulated world and starts the service; returns once it is unprovisioned (softAP
    /// up, provisioning listener on).
    /// </summary>
    public static async Task<DemoGateway> StartAsync(string directory, string cloudFingerprint, int appAnswerPort, string routerSsid, string routerPassword, DemoLogSink logs, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Owner-only, as the service's StateDirectory is under systemd.
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Path.Combine(directory, "state"));
        }
        else
        {
            System.IO.Directory.CreateDirectory(Path.Combine(directory, "state"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var mac = "02:" + string.Join(':', RandomNumberGenerator.GetBytes(5).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        var networks = Path.Combine(directory, "networks.json");
        var world = new DemoWifiWorld(mac, "00:00:00.300",
        [
            new DemoWifiNetwork(routerSsid, routerPassword, -42, "192.168.1.20"),
            new DemoWifiNetwork("Neighbour", Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)), -71, "192.168.7.31"),
            new DemoWifiNetwork("Cafe", null, -80, "10.0.0.77"),
        ]);
        // It holds the router's password: owner-only, as the gateway's own secrets are.
        await File.WriteAllBytesAsync(networks, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(world, DemoJson.Default.DemoWifiWorld), cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(networks, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        string[] args =
        [
            $"--contentRoot={directory}",
            "--Wifi:Driver=Simulated", $"--Wifi:SimulatedNetworksFile={networks}",
            "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={Path.Combine(directory, "gpio.sock")}",
            $"--State:DataDirectory={Path.Combine(directory, "state")}",
            "--Provisioning:BindAddress=127.0.0.1", "--Provisioning:SearchPort=0", "--Provisioning:SessionPort=0",
            FormattableString.Invariant($"--Provisioning:AnswerPort={appAnswerPort}"), "--Provisioning:BroadcastAddress=127.0.0.1",
            $"--Cloud:TrustedCertificateSha256:0={cloudFingerprint}",
            "--Bridge:ListenAddress=127.0.0.1", "--Bridge:Port=0",
        ];
        var builder = GatewayApp.CreateBuilder(args);
        logs.Configure(builder, "gateway");
        var host = builder.Build();
        var gateway = new DemoGateway(host, directory, routerSsid);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            await gateway.WaitForAsync(GatewayState.Unprovisioned, timeout, cancellationToken).ConfigureAwait(false);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The gateway's identity as its label shows it: the QR payload (MAC, setup code, softAP SSID).</summary>
    public async Task<(QrPayload Label, GatewayIdentity Identity)> ReadLabelAsync(CancellationToken cancellationToken)
    {
        var store = _host.Services.GetRequiredService<IGatewayStateStore>();
        var radio = _host.Services.GetRequiredService<Pi.Gateway.Wifi.IWifiRadio>();
        var mac = string.Join(':', radio.MacAddress.GetAddressBytes().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
        // The service made its identity at start; this loads it (as the gateway's qr command does).
        var identity = await store.LoadOrCreateIdentityAsync(mac, null, cancellationToken).ConfigureAwait(false);
        var naming = _host.Services.GetRequiredService<IOptions<SoftApNamingOptions>>().Value;
        // The sticker's text, read back the way the app reads a scanned code.
        var printed = new QrPayload(identity.Mac, identity.SetupCode, SoftApSsid.For(naming, identity.Mac)).ToText();
        return (QrPayload.Parse(printed), identity);
    }

    /// <summary>
    /// Waits (bounded) until the bridge would admit <paramref name="did"/>: it holds the sub-device's
    /// keys (the cloud's subDeviceAdded arrived) and the pairing window is open. An emulated device
    /// waits for this before its first connect, as a person waits for the gateway's LED before
    /// pressing the device's button, so the demo's log is not filled with expected refusals.
    /// </summary>
    public async Task WaitUntilAdmittedAsync(string did, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var keys = _host.Services.GetRequiredService<SubDeviceKeys>();
        using var changed = new SemaphoreSlim(0);
        void Signal() => changed.Release();
        void PairingSignal(DateTimeOffset? until) => changed.Release();
        Bridge.KeysReloaded += Signal;
        Bridge.PairingChanged += PairingSignal;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            while (!(keys.Find(did) is not null && Bridge.PairingUntil is { } until && until > DateTimeOffset.UtcNow))
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            Bridge.KeysReloaded -= Signal;
            Bridge.PairingChanged -= PairingSignal;
        }
    }

    /// <summary>Waits (bounded) until the service reaches <paramref name="state"/>.</summary>
    public async Task WaitForAsync(GatewayState state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_runner.State == state)
        {
            return;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (await _states.Reader.ReadAsync(deadline.Token).ConfigureAwait(false) != state)
            {
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the gateway did not reach {state} within {timeout.TotalSeconds:0} s; it is {_runner.State}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _host.StopAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Disposing below ends what did not stop in time.
            }
        }
        _host.Dispose();
    }
}
