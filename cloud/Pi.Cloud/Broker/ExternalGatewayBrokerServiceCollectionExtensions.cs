using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Pi.Cloud.Broker;

/// <summary>Registers the external-broker implementation of the broker seam.</summary>
public static class ExternalGatewayBrokerServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="ExternalGatewayBroker"/> as the <see cref="IGatewayBroker"/> and as a hosted service
    /// (one instance for both). Needs <c>IOptions&lt;CloudOptions&gt;</c>, an <see cref="IGatewayTraffic"/>
    /// and logging from the host; adds <see cref="TimeProvider.System"/> unless a clock is registered.
    /// The host calls this when <c>Cloud:Mqtt:Mode</c> is <c>External</c>.
    /// </summary>
    public static IServiceCollection AddExternalGatewayBroker(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ExternalGatewayBroker>();
        services.AddSingleton<IGatewayBroker>(static provider => provider.GetRequiredService<ExternalGatewayBroker>());
        services.AddHostedService(static provider => provider.GetRequiredService<ExternalGatewayBroker>());
        return services;
    }
}
