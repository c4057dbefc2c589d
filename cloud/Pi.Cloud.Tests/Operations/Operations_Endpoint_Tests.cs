using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pi.Cloud.Operations;
using Pi.Cloud.Tests.Support;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Tests.Operations;

/// <summary>
/// Exporters listen to every meter named Pi.Cloud in the process, so the tests that run a host with
/// an exporter run one at a time, after the parallel ones.
/// </summary>
[CollectionDefinition(nameof(Metrics_Exporter_Tests_Run_Alone), DisableParallelization = true)]
public sealed class Metrics_Exporter_Tests_Run_Alone;

[Collection(nameof(Metrics_Exporter_Tests_Run_Alone))]
public sealed partial class Operations_Endpoint_Tests
{
    private static Task<LoopbackWebApplication> StartAsync(Action<IHealthChecksBuilder>? checks = null) =>
        LoopbackWebApplication.StartAsync(
            builder =>
            {
                builder.AddCloudOperations();
                checks?.Invoke(builder.Services.AddHealthChecks());
            },
            app => app.MapCloudOperations());

    [Fact]
    public async Task Metrics_are_exposed_in_the_prometheus_text_format()
    {
        await using var host = await StartAsync();
        var metrics = host.Services.GetRequiredService<CloudMetrics>();
        metrics.PacketIn();
        metrics.PacketIn();
        metrics.PacketIn();
        metrics.PacketOut();
        metrics.Refused("replayed", CloudMetrics.SourceMqtt);
        metrics.Refused("replayed", CloudMetrics.SourceMqtt);
        metrics.Refused(ProtocolErrorCode.BadCredentials, CloudMetrics.SourceHttp);
        metrics.Login("ok");
        metrics.Command("timeout");
        metrics.SessionsOnline = () => 7;

        var response = await host.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var samples = Parse(text);
        Assert.Contains("# TYPE pi_cloud_packets_in_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE pi_cloud_sessions_online gauge", text, StringComparison.Ordinal);
        Assert.Equal(3, Value(samples, "pi_cloud_packets_in_total"));
        Assert.Equal(1, Value(samples, "pi_cloud_packets_out_total"));
        Assert.Equal(2, Value(samples, "pi_cloud_refusals_total", ("reason", "replayed"), ("source", "mqtt")));
        Assert.Equal(1, Value(samples, "pi_cloud_refusals_total", ("reason", "bad_credentials"), ("source", "http")));
        Assert.Equal(1, Value(samples, "pi_cloud_logins_total", ("outcome", "ok")));
        Assert.Equal(1, Value(samples, "pi_cloud_commands_total", ("outcome", "timeout")));
        Assert.Equal(7, Value(samples, "pi_cloud_sessions_online"));
    }

    [Fact]
    public async Task Every_scrape_sees_the_current_values()
    {
        await using var host = await StartAsync();
        var metrics = host.Services.GetRequiredService<CloudMetrics>();
        metrics.PacketIn();
        var first = Parse(await host.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

        metrics.PacketIn();
        var second = Parse(await host.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

        Assert.Equal(1, Value(first, "pi_cloud_packets_in_total"));
        Assert.Equal(2, Value(second, "pi_cloud_packets_in_total"));
    }

    [Fact]
    public async Task Health_is_200_with_every_check_healthy()
    {
        await using var host = await StartAsync(checks => checks
            .AddCheck("store", () => HealthCheckResult.Healthy())
            .AddCheck("broker", () => HealthCheckResult.Healthy()));

        var (status, body) = await GetHealthAsync(host);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("store").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("broker").GetString());
    }

    [Fact]
    public async Task Health_is_200_with_no_checks_at_all()
    {
        await using var host = await StartAsync();

        var (status, body) = await GetHealthAsync(host);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_is_200_when_only_degraded()
    {
        await using var host = await StartAsync(checks => checks.AddCheck("broker", () => HealthCheckResult.Degraded("slow")));

        var (status, body) = await GetHealthAsync(host);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Degraded", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_is_503_when_a_check_fails_and_says_nothing_of_why()
    {
        await using var host = await StartAsync(checks => checks
            .AddCheck("store", () => HealthCheckResult.Unhealthy("db.internal:5432 refused", new InvalidOperationException("Password=hunter2")))
            .AddCheck("broker", () => HealthCheckResult.Healthy()));

        var response = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(text);
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", body.RootElement.GetProperty("checks").GetProperty("store").GetString());
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("db.internal", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_503_when_a_check_throws()
    {
        await using var host = await StartAsync(checks => checks.AddCheck("store", () => throw new InvalidOperationException("boom")));

        var (status, body) = await GetHealthAsync(host);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_is_never_cached()
    {
        await using var host = await StartAsync();

        var response = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetHealthAsync(LoopbackWebApplication host)
    {
        var response = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }

    /// <summary>Sample lines of the text format: name, labels, value (an optional timestamp follows).</summary>
    private static List<(string Name, Dictionary<string, string> Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                Assert.True(line.Length == 0 || line.StartsWith('#'), $"not a sample, comment or empty line: {line}");
                continue;
            }
            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
            samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    private static double Value(List<(string Name, Dictionary<string, string> Labels, double Value)> samples, string name, params (string Key, string Value)[] labels)
    {
        var sample = Assert.Single(samples, s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));
        return sample.Value;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
