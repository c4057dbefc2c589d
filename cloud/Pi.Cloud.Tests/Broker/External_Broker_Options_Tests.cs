using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Cloud.Broker;
using Pi.Cloud.Options;

namespace Pi.Cloud.Tests.Broker;

/// <summary>Settings of the external broker and its registration.</summary>
public sealed class External_Broker_Options_Tests
{
    [Theory]
    [InlineData("mqtt://127.0.0.1:1884", "127.0.0.1", 1884, false)]
    [InlineData("mqtt://broker.example", "broker.example", 1883, false)]
    [InlineData("mqtts://broker.example", "broker.example", 8883, true)]
    [InlineData("mqtts://broker.example:18883/", "broker.example", 18883, true)]
    [InlineData("mqtt://[::1]:1883", "::1", 1883, false)]
    public void A_url_gives_host_port_and_tls(string url, string host, int port, bool tls) =>
        Assert.Equal(new ExternalBrokerConnection(host, port, tls), ExternalBrokerConnection.Parse(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("http://broker.example")]
    [InlineData("broker.example:1883")]
    [InlineData("mqtt://user:pw@broker.example")]
    [InlineData("mqtt://broker.example/some/path")]
    public void An_unusable_url_is_refused_naming_the_setting(string? url)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ExternalBrokerConnection.Parse(url));
        Assert.Contains("Cloud:Mqtt:External:Url", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_fails_at_once_when_the_settings_are_unusable()
    {
        var options = new CloudOptions();
        options.Mqtt.External.Url = "mqtt://127.0.0.1:1883";
        options.Mqtt.External.Username = null;
        await using var worker = TestCloud.CreateWorker(options, new RecordingGatewayTraffic());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.StartAsync(CancellationToken.None));

        Assert.Contains("Cloud:Mqtt:External:Username", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cloud_never_touches_its_own_broker_user_even_when_it_looks_like_a_tid()
    {
        var options = new CloudOptions();
        options.Mqtt.External.Username = "cloud-1";
        await using var worker = TestCloud.CreateWorker(options, new RecordingGatewayTraffic());

        await Assert.ThrowsAsync<ArgumentException>(() => worker.AdmitAsync("cloud-1", "token", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => worker.EvictAsync("cloud-1", CancellationToken.None));
    }

    [Fact]
    public void Each_worker_has_its_own_client_id_with_the_prefix()
    {
        var options = new CloudOptions();
        options.Mqtt.External.ClientIdPrefix = "cloud-eu";
        var a = TestCloud.CreateWorker(options, new RecordingGatewayTraffic());
        var b = TestCloud.CreateWorker(options, new RecordingGatewayTraffic());

        Assert.StartsWith("cloud-eu-", a.ClientId, StringComparison.Ordinal);
        Assert.NotEqual(a.ClientId, b.ClientId);
    }

    [Fact]
    public async Task The_registration_makes_one_instance_the_broker_seam_and_a_hosted_service()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddOptions<CloudOptions>();
        services.AddSingleton<IGatewayTraffic, RecordingGatewayTraffic>();

        services.AddExternalGatewayBroker();
        await using var provider = services.BuildServiceProvider();

        var broker = provider.GetRequiredService<IGatewayBroker>();
        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        Assert.IsType<ExternalGatewayBroker>(broker);
        Assert.Same(broker, hosted);
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }
}
