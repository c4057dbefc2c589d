using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Pi.Cloud.Operations;

/// <summary>Metrics and health: what an operator's Prometheus and load balancer read.</summary>
public static class OperationsServiceCollectionExtensions
{
    /// <summary>The health endpoint.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>The Prometheus scraping endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Registers <see cref="CloudMetrics"/>, health checks (others add theirs with
    /// <c>AddHealthChecks().AddCheck(...)</c>) and an OpenTelemetry meter provider that exports the
    /// <c>Pi.Cloud</c> meter in the Prometheus text format.
    /// </summary>
    public static IHostApplicationBuilder AddCloudOperations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<CloudMetrics>();
        builder.Services.AddHealthChecks();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("pi-cloud"))
            .WithMetrics(metrics => metrics
                .AddMeter(CloudMetrics.MeterName)
                // Every scrape sees the current values; Prometheus scrapes seldom enough.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary>
    /// Maps <c>/healthz</c> (JSON: overall status and each check's status, 200 when healthy or
    /// degraded, 503 when unhealthy; no check descriptions or exceptions, which may name internal
    /// hosts) and <c>/metrics</c> (Prometheus text format 0.0.4, or OpenMetrics when asked for).
    /// Both are unauthenticated: keep them off a public listener, or restrict both through the returned
    /// group (for example <c>.RequireHost("*:9090")</c>).
    /// </summary>
    public static RouteGroupBuilder MapCloudOperations(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var operations = endpoints.MapGroup("");
        operations.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        operations.MapPrometheusScrapingEndpoint(MetricsPath);
        return operations;
    }

    private static async Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("status", report.Status.ToString());
            writer.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 3));
            writer.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                writer.WriteString(name, entry.Status.ToString());
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }
}
