using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pi.Cloud.Store;

namespace Pi.Cloud;

/// <summary>Healthy when the store answers a trivial query.</summary>
public sealed class StoreHealthCheck(ICloudStore store) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the store does not answer", e);
        }
    }
}
