using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Cloud.Tests.Support;
using Pi.Cloud.Tls;

namespace Pi.Cloud.Tests.Tls;

/// <summary>The certificate as a TLS client meets it: a real handshake over loopback, trusted by pinning.</summary>
public sealed class Development_Certificate_Handshake_Tests : IDisposable
{
    private readonly TemporaryDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_client_pinning_the_fingerprint_completes_a_handshake()
    {
        using var certificate = DevelopmentCertificate.LoadOrCreate(_data.Path, null, null, TimeProvider.System, NullLogger.Instance);

        var (accepted, echoed) = await HandshakeAsync(certificate, certificate.GetCertHash(HashAlgorithmName.SHA256));

        Assert.True(accepted);
        Assert.Equal(42, echoed);
    }

    [Fact]
    public async Task The_reloaded_certificate_serves_a_handshake_too()
    {
        using (DevelopmentCertificate.LoadOrCreate(_data.Path, null, null, TimeProvider.System, NullLogger.Instance))
        {
        }
        using var reloaded = DevelopmentCertificate.LoadOrCreate(_data.Path, null, null, TimeProvider.System, NullLogger.Instance);

        var (accepted, _) = await HandshakeAsync(reloaded, reloaded.GetCertHash(HashAlgorithmName.SHA256));

        Assert.True(accepted);
    }

    [Fact]
    public async Task A_client_pinning_another_fingerprint_refuses_it()
    {
        using var certificate = DevelopmentCertificate.LoadOrCreate(_data.Path, null, null, TimeProvider.System, NullLogger.Instance);

        var (accepted, _) = await HandshakeAsync(certificate, new byte[32]);

        Assert.False(accepted);
    }

    [Fact]
    public async Task Kestrel_serves_https_with_it()
    {
        using var certificate = DevelopmentCertificate.LoadOrCreate(_data.Path, null, null, TimeProvider.System, NullLogger.Instance);
        var pinned = certificate.GetCertHash(HashAlgorithmName.SHA256);
        await using var host = await LoopbackWebApplication.StartAsync(
            builder => builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate))),
            app => app.MapGet("/", () => "over tls"));
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && CryptographicOperations.FixedTimeEquals(presented.GetCertHash(HashAlgorithmName.SHA256), pinned);
        using var client = new HttpClient(handler) { BaseAddress = host.Client.BaseAddress };

        Assert.Equal("https", client.BaseAddress!.Scheme);
        Assert.Equal("over tls", await client.GetStringAsync(new Uri("/", UriKind.Relative)));
    }

    private static async Task<(bool Accepted, int Echoed)> HandshakeAsync(X509Certificate2 certificate, byte[] pinnedSha256)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var server = ServeOneAsync(listener, certificate, timeout.Token);

            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, (_, presented, _, _) =>
                presented is not null && CryptographicOperations.FixedTimeEquals(presented.GetCertHash(HashAlgorithmName.SHA256), pinnedSha256));
            try
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, timeout.Token);
            }
            catch (System.Security.Authentication.AuthenticationException)
            {
                client.Close();
                await Assert.ThrowsAnyAsync<Exception>(() => server);
                return (false, 0);
            }
            await tls.WriteAsync(new byte[] { 41 }, timeout.Token);
            var reply = new byte[1];
            await tls.ReadExactlyAsync(reply, timeout.Token);
            await server;
            return (true, reply[0]);
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task ServeOneAsync(TcpListener listener, X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        using var connection = await listener.AcceptTcpClientAsync(cancellationToken);
        await using var tls = new SslStream(connection.GetStream());
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cancellationToken);
        var request = new byte[1];
        await tls.ReadExactlyAsync(request, cancellationToken);
        await tls.WriteAsync(new byte[] { (byte)(request[0] + 1) }, cancellationToken);
    }
}
