using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pi.Cloud.Testing;
using Pi.Gateway.Bridge;
using Pi.Gateway.Core;
using Pi.Gateway.Hosting;
using Pi.Gateway.State;

namespace Pi.App.Tests.Provisioning;

/// <summary>
/// The whole gateway service as Program.cs builds it (GatewayApp.CreateBuilder), in-process: the
/// simulated Wi-Fi radio with a networks file, the virtual GPIO driver on a Unix socket, state files
/// in a temp directory, provisioning on 127.0.0.1 with free ports (answers broadcast to
/// 127.255.255.255 on a port2 this harness holds with SO_REUSEADDR, so the APP under test binds it
/// too), the LAN bridge on a free port, trusting the test cloud's certificate.
/// </summary>
internal sealed class ServiceGateway : IAsyncDisposable
{
    public const string Ssid = "home";
    public const string RouterPassword = "router password";
    public const string RouterIp = "192.168.1.20";
    public const string CafeSsid = "cafe";

    private readonly string _directory;
    private readonly Socket _answerSocket;
    private readonly Channel<GatewayState> _states = Channel.CreateUnbounded<GatewayState>();

    private ServiceGateway(string directory, Socket answerSocket, IHost host)
    {
        _directory = directory;
        _answerSocket = answerSocket;
        Host = host;
        Runner = host.Services.GetRequiredService<GatewayRunner>();
        Runner.Transitioned += t => _states.Writer.TryWrite(t.To); // raised after the transition's commands ran
    }

    public IHost Host { get; }

    public GatewayRunner Runner { get; }

    public GatewayIdentity Identity { get; private set; } = null!;

    /// <summary>The gateway's MAC (upper case), random per instance.</summary>
    public string Mac { get; private set; } = null!;

    /// <summary>port1 of the running provisioning listener (learned once it runs; the listener stops when the gateway is registered).</summary>
    public IPEndPoint SearchEndPoint { get; private set; } = null!;

    /// <summary>The provisioning listener the gateway started with.</summary>
    public Pi.Gateway.Provisioning.ProvisioningServer Server { get; private set; } = null!;

    /// <summary>
    /// The end point of the provisioned gateway's search responder: the runner starts it once the
    /// softAP listener retired (up to GatewayRunner.ListenerGrace after the registration). With port 0
    /// in tests it is another port than the softAP listener's.
    /// </summary>
    public async Task<IPEndPoint> ResponderEndPointAsync()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Action handler = () => started.TrySetResult();
        Runner.ListenersChanged += handler;
        try
        {
            if (Runner.ProvisionedResponder is null)
            {
                await started.Task.WaitAsync(GatewayRunner.ListenerGrace + TimeSpan.FromSeconds(10));
            }
            return Runner.ProvisionedResponder?.SearchEndPoint ?? throw new InvalidOperationException($"no provisioned responder; the gateway is {Runner.State}");
        }
        finally
        {
            Runner.ListenersChanged -= handler;
        }
    }

    public int AnswerPort => ((IPEndPoint)_answerSocket.LocalEndPoint!).Port;

    public LanBridge Bridge => Host.Services.GetRequiredService<LanBridge>();

    public IGatewayStateStore Store => Host.Services.GetRequiredService<IGatewayStateStore>();

    /// <summary>The label's QR text.</summary>
    public string Qr => $"PIGW:1;M:{Mac};S:{Identity.SetupCode.ToCanonicalString()};N:pi_gateway_{Mac[9..].Replace(":", "", StringComparison.Ordinal)};";

    public string VerificationCode => Identity.VerificationCode.Reveal();

    /// <summary>The options that aim the APP at this gateway: port1, port2 and a search timeout.</summary>
    public string[] SearchArgs(double timeoutSeconds = 15, IPEndPoint? searchEndPoint = null) =>
        ["--search", (searchEndPoint ?? SearchEndPoint).ToString(), "--answer-port", AnswerPort.ToString(CultureInfo.InvariantCulture), "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture)];

    public static async Task<ServiceGateway> StartAsync(CloudHost cloud)
    {
        var directory = Directory.CreateTempSubdirectory("pi-app-gw-").FullName;
        var networks = Path.Combine(directory, "networks.json");
        // A MAC of its own: the shared test cloud remembers every device it saw (trust on first registration).
        var mac = "02:" + string.Join(':', RandomNumberGenerator.GetBytes(5).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
        await File.WriteAllTextAsync(networks, $$"""
            {"macAddress":"{{mac}}","joinDelay":"00:00:00.050",
             "networks":[{"ssid":"{{Ssid}}","password":"{{RouterPassword}}","signal":-45,"ip":"{{RouterIp}}"},
                         {"ssid":"{{CafeSsid}}","signal":-72,"ip":"10.0.0.9"}]}
            """);
        var answerSocket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        answerSocket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        answerSocket.Bind(new IPEndPoint(IPAddress.Any, 0));
        string[] args =
        [
            "--Wifi:Driver=Simulated", $"--Wifi:SimulatedNetworksFile={networks}",
            "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={Path.Combine(directory, "gpio.sock")}",
            $"--State:DataDirectory={Path.Combine(directory, "state")}",
            "--Provisioning:BindAddress=127.0.0.1", "--Provisioning:SearchPort=0", "--Provisioning:SessionPort=0",
            $"--Provisioning:AnswerPort={((IPEndPoint)answerSocket.LocalEndPoint!).Port}", "--Provisioning:BroadcastAddress=127.255.255.255",
            $"--Cloud:TrustedCertificateSha256:0={Convert.ToHexString(cloud.CertificateHash!)}",
            "--Bridge:ListenAddress=127.0.0.1", "--Bridge:Port=0",
            "--Logging:LogLevel:Default=Warning",
        ];
        var host = GatewayApp.CreateBuilder(args).Build();
        var gateway = new ServiceGateway(directory, answerSocket, host);
        gateway.Mac = mac;
        try
        {
            await host.StartAsync();
            await gateway.WaitForAsync(GatewayState.Unprovisioned);
            gateway.Identity = await gateway.Store.LoadOrCreateIdentityAsync(mac, null, default);
            gateway.Server = gateway.Runner.ProvisioningServer!;
            gateway.SearchEndPoint = gateway.Server.SearchEndPoint!;
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for the runner's next transition into <paramref name="state"/> (or returns at once when it is there).</summary>
    public async Task WaitForAsync(GatewayState state, int seconds = 20)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            while (Runner.State != state && await _states.Reader.ReadAsync(timeout.Token) != state)
            {
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the gateway never reached {state}; it is {Runner.State}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync();
        }
        finally
        {
            Host.Dispose();
            _answerSocket.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
