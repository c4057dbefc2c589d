using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pi.Cloud.Http;

namespace Pi.Cloud.Tests.Api;

public class Host_Operations_Tests
{
    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Health_metrics_and_the_openapi_document_are_served(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        using var client = host.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        var openApi = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/api/accounts", "/api/sessions", "/api/gateways", "/api/gateways/{tid}/bind", "/api/gateways/{tid}/subdevices", "/api/gateways/{tid}/commands", "/api/gateway/login" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the OpenAPI document");
        }

        // a refused login shows up in the metrics
        using var gateway = host.CreateClient();
        var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/gateway/login") { Content = content };
        request.Headers.Add(GatewayApi.ChallengeHeader, Convert.ToBase64String(new byte[16]));
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.SendAsync(request)).StatusCode);
        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("pi_cloud_refusals", metrics, StringComparison.Ordinal);
        Assert.Contains("pi_cloud_sessions_online", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_http_and_plain_mqtt_only_when_configured()
    {
        await using var host = await CloudHost.StartAsync("sqlite", new Dictionary<string, string?>
        {
            ["Cloud:Http:UseTls"] = "false",
            ["Cloud:Mqtt:UseTls"] = "false",
        });
        Assert.Equal("http", host.BaseAddress.Scheme);
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.StartsWith("mqtt://", host.Urls.MqttUrl, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(host.DataDirectory, "tls", "dev-cert.pfx")));
    }

    [Fact]
    public async Task The_development_certificate_is_created_once_and_kept()
    {
        string dataDirectory;
        byte[] first;
        await using (var host = await CloudHost.StartAsync("sqlite", keepData: true))
        {
            dataDirectory = host.DataDirectory;
            first = host.CertificateHash!;
            Assert.Equal("https", host.BaseAddress.Scheme);
        }
        await using var again = await CloudHost.StartAsync("sqlite", new Dictionary<string, string?> { ["Cloud:DataDirectory"] = dataDirectory });
        Assert.Equal(first, again.CertificateHash);
        using var client = again.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Invalid_settings_stop_the_host_at_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CloudHost.StartAsync("sqlite", new Dictionary<string, string?> { ["Cloud:Keys:KeyValidityDays"] = "0" }));
        Assert.Contains("KeyValidityDays", error.ToString(), StringComparison.Ordinal);
        var external = await Assert.ThrowsAnyAsync<Exception>(() => CloudHost.StartAsync("sqlite", new Dictionary<string, string?> { ["Cloud:Mqtt:Mode"] = "External" }));
        Assert.Contains("External:Url", external.ToString(), StringComparison.Ordinal);
    }
}
