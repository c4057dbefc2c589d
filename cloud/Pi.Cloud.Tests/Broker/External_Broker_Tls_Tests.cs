using Pi.Cloud.Broker;

namespace Pi.Cloud.Tests.Broker;

/// <summary>mqtts:// URLs: TLS to the broker, its certificate checked unless the settings say otherwise.</summary>
public sealed class External_Broker_Tls_Tests
{
    [Fact]
    public async Task A_worker_connects_over_mqtts_when_it_may_accept_the_untrusted_test_certificate()
    {
        await using var server = MosquittoServer.WithTls();
        await server.InitializeAsync();
        var traffic = new RecordingGatewayTraffic();

        await using var worker = await TestCloud.StartWorkerAsync(server, traffic, configure: o =>
        {
            o.Url = server.TlsUrl;
            o.AllowUntrustedCertificates = true;
        });

        await using var gateway = await worker.AdmitAndConnectAsync(server);
        await gateway.PublishUpAsync("over tls");
        Assert.Equal("over tls", (await traffic.NextUpAsync()).Text);
    }

    [Fact]
    public async Task An_untrusted_certificate_is_refused_by_default()
    {
        await using var server = MosquittoServer.WithTls();
        await server.InitializeAsync();
        var traffic = new RecordingGatewayTraffic();
        var logger = new RecordingLogger<ExternalGatewayBroker>();
        await using var worker = TestCloud.CreateWorker(server.CloudOptions(o => o.Url = server.TlsUrl), traffic, logger);

        await worker.StartAsync(CancellationToken.None);

        await Waits.UntilAsync(
            () => logger.Lines.Count(l => l.Contains(" 3104 ", StringComparison.Ordinal) && l.Contains("certificate", StringComparison.Ordinal)) >= 2,
            "two connect attempts refused over the certificate");
        Assert.False(worker.IsConnected);
        Assert.Equal(0, worker.Connections);
    }
}
