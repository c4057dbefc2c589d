using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.App.Provisioning;
using Pi.Gateway.Provisioning;
using Pi.Gateway.Wifi;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.App.Tests.Provisioning;

/// <summary>
/// The real gateway <see cref="ProvisioningServer"/> on loopback with free ports, as the gateway's
/// own tests run it: bound to 127.0.0.1, answering by broadcast to 127.255.255.255 on a port2 this
/// harness holds open (SO_REUSEADDR) so every APP of the test binds it too and hears each answer.
/// </summary>
internal sealed class GatewayUnderTest : IAsyncDisposable
{
    public const string Mac = "B8:27:EB:12:34:56";
    public const string RouterPassword = "correct horse battery";
    public const string RouterIp = "192.168.1.23";

    private readonly Socket _answerPort;

    private GatewayUnderTest(Socket answerPort, SetupCode setupCode, bool openMode)
    {
        _answerPort = answerPort;
        SetupCode = setupCode;
        var options = new ProvisioningServerOptions
        {
            BindAddress = "127.0.0.1",
            SearchPort = 0,
            SessionPort = 0,
            AnswerPort = AnswerPort,
            BroadcastAddress = "127.255.255.255",
        };
        var context = new GatewayProvisioningContext(
            Mac,
            "00000000a1b2c3d4",
            Guid.NewGuid().ToString("D"),
            new SecretString("vc-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12))),
            openMode ? ProvisioningSecret.OpenMode : ProvisioningSecret.FromSetupCode(setupCode),
            ResetFlag: true,
            Joined: false,
            Firmware: "1.0.0");
        Server = new ProvisioningServer(options, context, Handler, Handler, NullLogger<ProvisioningServer>.Instance);
    }

    public ProvisioningServer Server { get; }

    public Handler Handler { get; } = new();

    public SetupCode SetupCode { get; }

    public int AnswerPort => ((IPEndPoint)_answerPort.LocalEndPoint!).Port;

    public static async Task<GatewayUnderTest> StartAsync(bool openMode = false)
    {
        var answerPort = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        answerPort.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        answerPort.Bind(new IPEndPoint(IPAddress.Any, 0));
        var gateway = new GatewayUnderTest(answerPort, SetupCode.Generate(), openMode);
        await gateway.Server.StartAsync(CancellationToken.None);
        return gateway;
    }

    /// <summary>Search options aimed at this gateway (unicast to its port1, answers on the shared port2).</summary>
    public SearchOptions Options(TimeSpan? timeout = null, byte[]? random = null) => new()
    {
        SearchEndPoint = Server.SearchEndPoint!,
        AnswerPort = AnswerPort,
        Timeout = timeout ?? TestTimeouts.Wait,
        Retries = 4,
        Random = random ?? ReadOnlyMemory<byte>.Empty,
        ReplyTimeout = TestTimeouts.Wait,
    };

    /// <summary>An APP holding this gateway's label (or another setup code).</summary>
    public ProvisioningClient NewApp(SetupCode? code = null, TimeSpan? timeout = null, byte[]? random = null) =>
        new(Mac, ProvisioningSecret.FromSetupCode(code ?? SetupCode), Options(timeout, random));

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _answerPort.Dispose();
    }
}

/// <summary>The state machine and the radio's stand-in: joins with <see cref="GatewayUnderTest.RouterPassword"/>, keeps registrations.</summary>
internal sealed class Handler : IProvisioningHandler, ISsidSource
{
    public ConcurrentQueue<RegistrationInfo> Registrations { get; } = new();

    /// <summary>When set, a join waits for it (or for the gateway to stop).</summary>
    public TaskCompletionSource? HoldJoin { get; set; }

    public TaskCompletionSource JoinStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<JoinResult> JoinWifiAsync(string ssid, SecretString password, CancellationToken cancellationToken)
    {
        JoinStarted.TrySetResult();
        if (HoldJoin is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }
        return password.Reveal() == GatewayUnderTest.RouterPassword ? JoinResult.Success(GatewayUnderTest.RouterIp) : JoinResult.Failed(WifiFailure.WrongPassword);
    }

    public Task<RegistrationStoreResult> StoreRegistrationAsync(RegistrationInfo registration, CancellationToken cancellationToken)
    {
        Registrations.Enqueue(registration);
        return Task.FromResult(RegistrationStoreResult.Success);
    }

    public void SessionStarted(Pi.Gateway.Provisioning.ProvisioningSession session)
    {
    }

    public void SessionEnded(Pi.Gateway.Provisioning.ProvisioningSession session, ProvisioningSessionEndReason reason)
    {
    }

    public Task<IReadOnlyList<SsidEntry>> GetNetworksAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SsidEntry>>([new SsidEntry("HomeRouter", -48, WifiSecurity.Wpa2Psk), new SsidEntry("Cafe", -80, WifiSecurity.Open)]);

    public Task<IReadOnlyList<SsidEntry>> RescanAsync(CancellationToken cancellationToken) => GetNetworksAsync(cancellationToken);
}

internal static class TestTimeouts
{
    /// <summary>How long a test waits for something that should happen at once (generous: CI is shared).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static CancellationToken Token() => new CancellationTokenSource(Wait).Token;
}

internal static class FreePorts
{
    public static int Udp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static int Tcp()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
