using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pi.Cloud.Http;
using Pi.Cloud.Testing;
using Pi.Gateway.Cloud;
using Pi.Gateway.Core;
using Pi.Gateway.Hosting;
using Pi.Gateway.Provisioning;
using Pi.Gateway.Tests.Cloud;
using Pi.Gateway.Tests.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Hosting;

/// <summary>
/// The whole gateway loop (state machine, provisioning server on real UDP/TCP, cloud client)
/// provisioned by a test APP and registered, logged in and bound at the real cloud host; then
/// factory-reset by a long press. Only the radio and the button are fakes (hardware seams).
/// </summary>
public sealed class Gateway_End_To_End_Tests
{
    [Fact]
    public async Task An_app_provisions_the_gateway_which_comes_online_and_a_long_press_resets_and_unbinds_it()
    {
        await using var cloud = await CloudHost.StartAsync("sqlite");
        var user = await cloud.NewUserAsync();
        var presence = System.Threading.Channels.Channel.CreateUnbounded<(string Tid, bool Online)>();
        cloud.Service<Pi.Cloud.Sessions.GatewayPresence>().OnlineChanged += (tid, online) => presence.Writer.TryWrite((tid, online));
        await using var rig = await GatewayRig.StartAsync(cloud);

        await rig.WaitForAsync(GatewayState.Unprovisioned);
        Assert.True(rig.Radio.AccessPointOn);
        Assert.Contains("ap-on pi_gateway_A1B2C3", rig.Radio.Calls);
        var identity = rig.Store.Identity!;

        // S11-S13: search by UDP broadcast with this login's nonce as the random; deviceInfo answers.
        using var app = new TestApp(identity.Mac, ProvisioningSecret.FromSetupCode(identity.SetupCode), rig.AnswerPort, user.Nonce);
        var found = await app.SearchAsync(rig.Runner.ProvisioningServer!.SearchEndPoint!, TestTimeouts.Token());
        Assert.Equal(BindingHash.Compute(identity.VerificationCode.Reveal(), user.Nonce), found.Info.Hash);
        await using var session = await app.ConnectAsync(found, TestTimeouts.Token());

        var networks = Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        Assert.Contains(networks.Networks, n => n.Ssid == "home");
        var joined = Assert.IsType<WifiResult>(await session.RequestAsync(new WifiCredentials("home", new SecretString("router password")), TestTimeouts.Token()));
        Assert.True(joined.Joined, joined.Reason?.ToString());

        // S101-S104: the APP registers the gateway at the cloud and hands over registrationInfo.
        var registration = await (await user.Client.PostAsJsonAsync("/api/gateways", new
        {
            mac = found.Info.Mac,
            uuid = found.Info.Uuid,
            sn = found.Info.Sn,
            hash = found.Info.Hash,
            verificationCode = identity.VerificationCode.Reveal(),
        })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<RegisterGatewayResponse>();
        var ack = await session.RequestAsync(new RegistrationInfo(
            registration!.Tid, new SecretString(registration.Password), SymmetricKey.Parse(registration.AccessKey), SymmetricKey.Parse(registration.LocalKey),
            registration.KeyId, registration.KeyExpiresAt, registration.ServiceExpiresAt, registration.CloudUrl), TestTimeouts.Token());
        Assert.Equal(registration.Tid, Assert.IsType<RegistrationAck>(ack).Tid);
        await session.DisposeAsync(); // the APP is done with the softAP

        // S301-S403: the gateway logs in and holds its session; the APP binds it.
        await rig.WaitForAsync(GatewayState.Online);
        Assert.False(rig.Radio.AccessPointOn);
        Assert.Equal(HttpStatusCode.OK, (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/bind", new { hash = found.Info.Hash })).StatusCode);
        // Online in the machine may precede the session channel: await the cloud seeing it connected.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            while (await presence.Reader.ReadAsync(timeout.Token) != (registration.Tid, true))
            {
            }
        }
        Assert.True((await user.Client.GetFromJsonAsync<GatewayView>($"/api/gateways/{registration.Tid}"))!.Online);
        var ping = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/commands", new { command = "ping" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandResponse>();
        Assert.True(ping!.Ok);
        Assert.Equal(LedState.Online, rig.Leds.Last);

        // Provisioned: the softAP listener is gone and a search hears already_provisioned (rule 6).
        var responder = await rig.ResponderAsync();
        Assert.Null(responder.SessionEndPoint);
        using (var late = new TestApp(identity.Mac, ProvisioningSecret.FromSetupCode(identity.SetupCode), rig.AnswerPort, user.Nonce))
        {
            await late.SendAsync(late.SealSearch(), responder.SearchEndPoint!, TestTimeouts.Token());
            var refused = Assert.IsType<ProvisioningError>(await late.ReceiveAnswerAsync(TestTimeouts.Token()));
            Assert.Equal(Pi.Protocol.Errors.ProtocolErrorCode.AlreadyProvisioned, refused.Code);
        }

        // Long press: resetUnbind at the cloud, wipe, resetFlag, back to the softAP.
        rig.Button.PressLong();
        await rig.WaitForAsync(GatewayState.Unprovisioned);
        Assert.Empty((await user.Client.GetFromJsonAsync<List<GatewayView>>("/api/gateways"))!);
        Assert.Null(rig.Store.Registration);
        Assert.True(rig.Store.ResetFlag);
        Assert.Contains(LedState.Resetting, rig.Leds.Shown);
        Assert.True(rig.Radio.AccessPointOn);
        Assert.Same(identity, rig.Store.Identity); // the identity stays
        Assert.Null(rig.Runner.ProvisionedResponder);
        using (var again = new TestApp(identity.Mac, ProvisioningSecret.FromSetupCode(identity.SetupCode), rig.AnswerPort, user.Nonce))
        {
            Assert.True((await again.SearchAsync(rig.Runner.ProvisioningServer!.SearchEndPoint!, TestTimeouts.Token())).Info.ResetFlag);
        }
    }
}

/// <summary>The gateway's loop wired with fakes only at the hardware seams.</summary>
internal sealed class GatewayRig : IAsyncDisposable
{
    private readonly System.Net.Sockets.Socket _answerSocket;
    private readonly HttpClient _http;

    private GatewayRig(CloudHost cloud)
    {
        _answerSocket = TestApp.BindAnswerSocket(0);
        var cloudOptions = new CloudClientOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) };
        cloudOptions.TrustedCertificateSha256.Add(Convert.ToHexString(cloud.CertificateHash!));
        var trust = new CloudTrust(cloudOptions.TrustedCertificateSha256);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => trust.Validate(cert, errors);
        _http = new HttpClient(handler);
        Client = new CloudClient(Store, new CloudLoginClient(_http), trust, Options.Create(cloudOptions), new GatewayRequestHandler(), TimeProvider.System, NullLogger<CloudClient>.Instance);
        var provisioning = new ProvisioningServerOptions
        {
            BindAddress = "127.0.0.1",
            SearchPort = 0,
            SessionPort = 0,
            AnswerPort = AnswerPort,
            BroadcastAddress = "127.255.255.255",
        };
        var machineOptions = new GatewayStateMachineOptions();
        Runner = new GatewayRunner(
            new GatewayStateMachine(machineOptions, () => 0.5), machineOptions, Store, Radio, Client, Leds, Button, Leds, Leds,
            Options.Create(provisioning), Options.Create(new GatewayHostOptions { SerialNumberPath = null }), Options.Create(new Pi.Gateway.Qr.SoftApNamingOptions()), Options.Create(cloudOptions),
            TimeProvider.System, NullLoggerFactory.Instance);
        Runner.Transitioned += t => States.Writer.TryWrite(t.To);
    }

    public MemoryStateStore Store { get; } = new();

    public FakeRadio Radio { get; } = new("home", "router password");

    public RecordingSeams Leds { get; } = new();

    public RecordingSeams Button => Leds;

    public CloudClient Client { get; }

    public GatewayRunner Runner { get; }

    public int AnswerPort => ((IPEndPoint)_answerSocket.LocalEndPoint!).Port;

    /// <summary>The provisioned gateway's search responder, once the runner started it.</summary>
    public async Task<ProvisioningServer> ResponderAsync()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Action handler = () => started.TrySetResult();
        Runner.ListenersChanged += handler;
        try
        {
            if (Runner.ProvisionedResponder is null)
            {
                await started.Task.WaitAsync(TestTimeouts.Wait);
            }
            return Runner.ProvisionedResponder ?? throw new InvalidOperationException("the responder stopped again");
        }
        finally
        {
            Runner.ListenersChanged -= handler;
        }
    }

    public System.Threading.Channels.Channel<GatewayState> States { get; } = System.Threading.Channels.Channel.CreateUnbounded<GatewayState>();

    public static async Task<GatewayRig> StartAsync(CloudHost cloud)
    {
        var rig = new GatewayRig(cloud);
        await rig.Runner.StartAsync(CancellationToken.None);
        return rig;
    }

    public async Task WaitForAsync(GatewayState state, int seconds = 20)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            while (Runner.State != state)
            {
                await States.Reader.ReadAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the gateway never reached {state}; it is {Runner.State}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Runner.StopAsync(stop.Token);
        Runner.Dispose();
        await Client.DisposeAsync();
        _http.Dispose();
        _answerSocket.Dispose();
    }
}

/// <summary>LEDs, button, pairing window and watchdog seams that record what happened.</summary>
internal sealed class RecordingSeams : IStatusIndicator, IResetButtonSource, IPairingWindow, IHealthReporter
{
    private readonly Lock _gate = new();
    private readonly List<LedState> _shown = [];

    public event Action? ShortPress;

    public event Action? LongPress;

    public IReadOnlyList<LedState> Shown
    {
        get
        {
            lock (_gate)
            {
                return [.. _shown];
            }
        }
    }

    public LedState? Last => Shown.Count == 0 ? null : Shown[^1];

    public bool? Healthy { get; private set; }

    public TimeSpan? PairingOpened { get; private set; }

    public void Show(LedState state)
    {
        lock (_gate)
        {
            _shown.Add(state);
        }
    }

    public void Open(TimeSpan duration) => PairingOpened = duration;

    public void Report(bool healthy) => Healthy = healthy;

    public void PressShort() => ShortPress?.Invoke();

    public void PressLong() => LongPress?.Invoke();
}
