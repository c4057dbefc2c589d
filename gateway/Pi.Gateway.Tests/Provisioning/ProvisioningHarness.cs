using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Pi.Gateway.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// A running <see cref="ProvisioningServer"/> on loopback with free ports, a fake handler and SSID
/// source, a captured log, and test APPs that share one port2. The server binds 127.0.0.1 and
/// answers by broadcast to 127.255.255.255 (SO_BROADCAST; on Linux only sockets bound to the
/// wildcard address receive it, which is how the APPs bind).
/// </summary>
internal sealed class ProvisioningHarness : IAsyncDisposable
{
    public const string Mac = "B8:27:EB:12:34:56";
    public const string Sn = "00000000a1b2c3d4";

    private readonly Socket _answerPort;
    private readonly List<TestApp> _apps = [];

    private ProvisioningHarness(Socket answerPort, ProvisioningServerOptions options, GatewayProvisioningContext context, SetupCode setupCode, string verificationCode, TimeProvider? time)
    {
        _answerPort = answerPort;
        Options = options;
        SetupCode = setupCode;
        VerificationCode = verificationCode;
        Server = new ProvisioningServer(options, context, Handler, Ssids, Log.For<ProvisioningServer>(), time);
    }

    public ProvisioningServer Server { get; }

    public FakeProvisioningHandler Handler { get; } = new();

    public FakeSsidSource Ssids { get; } = new();

    public CapturedLog Log { get; } = new();

    public ProvisioningServerOptions Options { get; }

    public SetupCode SetupCode { get; }

    public string VerificationCode { get; }

    public GatewayProvisioningContext Context => Server.Context;

    /// <summary>Port2 of this test (a free port, shared by its APPs).</summary>
    public int AnswerPort => ((IPEndPoint)_answerPort.LocalEndPoint!).Port;

    public IPEndPoint SearchEndPoint => Server.SearchEndPoint ?? throw new InvalidOperationException("not running");

    public static ProvisioningSecret SecretOf(SetupCode code) => ProvisioningSecret.FromSetupCode(code);

    /// <summary>Starts a server with test defaults, changed by <paramref name="configure"/>.</summary>
    public static async Task<ProvisioningHarness> StartAsync(
        Action<ProvisioningServerOptions>? configure = null,
        bool openMode = false,
        TimeProvider? time = null,
        Func<GatewayProvisioningContext, GatewayProvisioningContext>? context = null,
        bool start = true)
    {
        // Reserves port2 for this test; the APPs bind it too, and every one of them hears each answer.
        var answerPort = TestApp.BindAnswerSocket(0);
        var options = new ProvisioningServerOptions
        {
            BindAddress = "127.0.0.1",
            SearchPort = 0,
            SessionPort = 0,
            AnswerPort = ((IPEndPoint)answerPort.LocalEndPoint!).Port,
            BroadcastAddress = "127.255.255.255",
            RefusalLogBurst = 100_000,
        };
        configure?.Invoke(options);
        var setupCode = SetupCode.Generate();
        var verificationCode = "vc-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var gatewayContext = new GatewayProvisioningContext(
            Mac,
            Sn,
            Guid.NewGuid().ToString("D"),
            new SecretString(verificationCode),
            openMode ? ProvisioningSecret.OpenMode : SecretOf(setupCode),
            ResetFlag: true,
            Joined: false,
            Firmware: "1.0.0");
        gatewayContext = context?.Invoke(gatewayContext) ?? gatewayContext;
        var harness = new ProvisioningHarness(answerPort, options, gatewayContext, setupCode, verificationCode, time);
        if (start)
        {
            await harness.Server.StartAsync(CancellationToken.None);
        }
        return harness;
    }

    /// <summary>A new APP (new key pair) holding this gateway's label, or the given secret.</summary>
    public TestApp NewApp(byte[]? random = null, ProvisioningSecret? secret = null)
    {
        var app = new TestApp(Mac, secret ?? Context.Secret, AnswerPort, random);
        _apps.Add(app);
        return app;
    }

    /// <summary>A new APP that searches, opens deviceInfo and connects.</summary>
    public async Task<(TestApp App, FoundGateway Gateway, AppSession Session)> ConnectNewAppAsync(byte[]? random = null)
    {
        var app = NewApp(random);
        var gateway = await app.SearchAsync(SearchEndPoint, TestTimeouts.Token());
        var session = await app.ConnectAsync(gateway, TestTimeouts.Token());
        return (app, gateway, session);
    }

    /// <summary>The proof that bad input left the server serving: a new APP finds it and lists networks.</summary>
    public async Task AssertStillServesAsync()
    {
        var (_, gateway, session) = await ConnectNewAppAsync();
        await using (session)
        {
            Assert.Equal(Mac, gateway.Info.Mac);
            var reply = await session.RequestAsync(new GetSsidList(), TestTimeouts.Token());
            Assert.IsType<SsidList>(reply);
        }
    }

    public static RegistrationInfo NewRegistration(DateTimeOffset? keyExpiresAt = null) => new(
        "gw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)),
        new SecretString(Convert.ToBase64String(RandomNumberGenerator.GetBytes(15))),
        SymmetricKey.Generate(),
        SymmetricKey.Generate(),
        1,
        keyExpiresAt ?? DateTimeOffset.UtcNow.AddDays(365),
        DateTimeOffset.UtcNow.AddDays(730),
        "https://cloud.example:8443");

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        foreach (var app in _apps)
        {
            app.Dispose();
        }
        _answerPort.Dispose();
    }
}
