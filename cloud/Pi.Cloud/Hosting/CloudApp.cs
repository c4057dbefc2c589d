using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.AspNetCore;
using Pi.Cloud.Accounts;
using Pi.Cloud.Broker;
using Pi.Cloud.Devices;
using Pi.Cloud.Http;
using Pi.Cloud.Login;
using Pi.Cloud.Operations;
using Pi.Cloud.Options;
using Pi.Cloud.Sessions;
using Pi.Cloud.Store;
using Pi.Cloud.Tls;

namespace Pi.Cloud;

/// <summary>
/// Builds the cloud host: options, store, accounts, registration and binding, gateway login,
/// the session channel and its broker, operations (health, metrics), and the Kestrel endpoints.
/// Program.cs and the integration tests both start the host through here.
/// </summary>
public static class CloudApp
{
    /// <summary>Builds the host from command-line arguments (and appsettings/environment).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddCloudOptions();
        builder.AddCloudOperations();
        builder.Services.AddCloudProblems();
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>("store");
        builder.Services.AddCloudStore();
        builder.Services.AddCloudServices();
        builder.AddCloudEndpoints();

        var app = builder.Build();
        var sessions = app.Services.GetRequiredService<SessionRegistry>();
        app.Services.GetRequiredService<CloudMetrics>().SessionsOnline = () => sessions.Count;
        app.UseCloudProblems();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapCloudOperations();
        app.MapAppApi();
        app.MapGatewayApi();
        return app;
    }

    /// <summary>Binds and validates the <c>Cloud</c> section.</summary>
    public static WebApplicationBuilder AddCloudOptions(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CloudOptions>()
            .Bind(builder.Configuration.GetSection(CloudOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CloudOptions>, CloudOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>Everything between the API and the store.</summary>
    public static IServiceCollection AddCloudServices(this IServiceCollection services)
    {
        services.AddSingleton<CloudUrls>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<LoginChallenges>();
        services.AddSingleton<GatewayLoginService>();
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<IGatewaySessionAuthority>(sp => sp.GetRequiredService<SessionRegistry>());
        services.AddSingleton<PendingReplies>();
        services.AddSingleton<GatewayPresence>();
        services.AddSingleton<SubDeviceDirectory>();
        services.AddSingleton<DownLink>();
        services.AddSingleton<GatewaySync>();
        services.AddSingleton<SessionTerminator>();
        services.AddSingleton<SessionChannel>();
        services.AddSingleton<IGatewayTraffic>(sp => sp.GetRequiredService<SessionChannel>());
        services.AddSingleton<GatewayService>();
        services.AddSingleton<SubDeviceService>();
        services.AddSingleton<GatewayCommands>();
        services.AddHostedService<SessionSweeper>();
        services.AddHostedService<StartupReport>();

        services.AddAuthentication(AppAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AppAuthenticationHandler>(AppAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, CloudJsonContext.Default));
        return services;
    }

    /// <summary>
    /// Kestrel: the API endpoint (HTTPS unless configured off) and, for the embedded broker, the
    /// MQTT endpoint (TLS unless configured off) served by the same Kestrel.
    /// </summary>
    public static WebApplicationBuilder AddCloudEndpoints(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(CloudOptions.Section).Get<CloudOptions>() ?? new CloudOptions();
        builder.Services.AddMqttConnectionHandler();
        builder.Services.AddConnections();
        if (options.Mqtt.Mode == BrokerMode.Embedded)
        {
            builder.Services.AddSingleton<EmbeddedGatewayBroker>();
            builder.Services.AddSingleton<IGatewayBroker>(sp => sp.GetRequiredService<EmbeddedGatewayBroker>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddedGatewayBroker>());
        }
        else
        {
            builder.Services.AddExternalGatewayBroker();
        }

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var services = kestrel.ApplicationServices;
            var cloud = services.GetRequiredService<IOptions<CloudOptions>>().Value;
            var urls = services.GetRequiredService<CloudUrls>();
            var needsCertificate = cloud.Http.UseTls || (cloud.Mqtt.Mode == BrokerMode.Embedded && cloud.Mqtt.UseTls);
            var certificate = needsCertificate
                ? DevelopmentCertificate.LoadOrCreate(
                    Path.GetFullPath(cloud.DataDirectory), cloud.Http.CertificatePath, cloud.Http.CertificatePassword,
                    services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>().CreateLogger("Pi.Cloud.Tls"))
                : null;
            kestrel.Limits.MaxRequestBodySize = cloud.Http.MaxRequestBodySize;
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Parse(cloud.Http.Address), cloud.Http.Port, listen =>
            {
                if (cloud.Http.UseTls)
                {
                    listen.UseHttps(certificate!);
                }
                urls.Http = listen;
            });
            if (cloud.Mqtt.Mode == BrokerMode.Embedded)
            {
                kestrel.Listen(IPAddress.Parse(cloud.Mqtt.Address), cloud.Mqtt.Port, listen =>
                {
                    if (cloud.Mqtt.UseTls)
                    {
                        listen.UseHttps(certificate!);
                    }
                    listen.UseMqtt();
                    urls.Mqtt = listen;
                });
            }
        });
        return builder;
    }
}
