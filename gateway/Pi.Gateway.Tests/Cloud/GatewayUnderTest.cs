using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pi.Cloud.Http;
using Pi.Cloud.Testing;
using Pi.Gateway.Cloud;
using Pi.Gateway.State;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.Tests.Cloud;

/// <summary>The gateway's cloud client, wired as the host wires it, against a real cloud host.</summary>
internal sealed class GatewayUnderTest : IAsyncDisposable
{
    private readonly HttpClient _http;

    public GatewayUnderTest(CloudHost host, RegisterGatewayResponse registration, Action<CloudClientOptions>? configure = null, bool pin = true)
    {
        var options = new CloudClientOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) };
        if (pin)
        {
            options.TrustedCertificateSha256.Add(Convert.ToHexString(host.CertificateHash!));
        }
        configure?.Invoke(options);
        var trust = new CloudTrust(options.TrustedCertificateSha256);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => trust.Validate(cert, errors);
        _http = new HttpClient(handler);
        Store.Registration = new GatewayRegistration(
            registration.Tid,
            new SecretString(registration.Password),
            SymmetricKey.Parse(registration.AccessKey),
            SymmetricKey.Parse(registration.LocalKey),
            registration.KeyId,
            registration.KeyExpiresAt,
            registration.ServiceExpiresAt,
            registration.CloudUrl!,
            DateTimeOffset.UtcNow);
        Client = new CloudClient(Store, new CloudLoginClient(_http), trust, Options.Create(options), new GatewayRequestHandler(), TimeProvider.System, NullLogger<CloudClient>.Instance);
        Client.Event += e => Events.Writer.TryWrite(e);
    }

    public MemoryStateStore Store { get; } = new();

    public CloudClient Client { get; }

    public System.Threading.Channels.Channel<CloudEvent> Events { get; } = System.Threading.Channels.Channel.CreateUnbounded<CloudEvent>();

    public string Tid => Store.Registration!.Tid;

    /// <summary>Logs in and connects, asserting both.</summary>
    public async Task<Pi.Protocol.Messages.LoginReply> OnlineAsync()
    {
        var attempt = await Client.LogInAsync(default);
        Assert.True(attempt.Succeeded, attempt.Detail);
        var (connected, _, detail) = await Client.ConnectAsync(default);
        Assert.True(connected, detail);
        return attempt.Reply!;
    }

    public async Task<CloudEvent> NextEventAsync(CloudEventKind kind, int seconds = 10)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            var e = await Events.Reader.ReadAsync(cts.Token);
            if (e.Kind == kind)
            {
                return e;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        _http.Dispose();
    }
}
