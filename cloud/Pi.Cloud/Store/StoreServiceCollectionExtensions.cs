using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Pi.Cloud.Options;

namespace Pi.Cloud.Store;

/// <summary>Registers the store.</summary>
public static class StoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ICloudStore"/> as a singleton built from <see cref="CloudOptions.Store"/> and
    /// <see cref="CloudOptions.DataDirectory"/> (see <see cref="CloudStoreFactory.Create"/>), and a
    /// hosted service that migrates the schema while the host is starting, before any other hosted
    /// service (the web server included) starts.
    /// </summary>
    public static IServiceCollection AddCloudStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ICloudStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<CloudOptions>>().Value;
            return CloudStoreFactory.Create(options.Store, options.DataDirectory);
        });
        services.AddHostedService<StoreMigrationService>();
        return services;
    }
}
