using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.Bridge.Queue;
using Pi.Gateway.Cloud;
using Pi.Gateway.Hosting;
using Pi.Gateway.State;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Bridge;

/// <summary>Wires the sub-device LAN bridge (section <c>Bridge</c>; <c>Bridge:Enabled=false</c> leaves it out).</summary>
public static class BridgeHostingExtensions
{
    /// <summary>Adds the bridge, its queue and its keys; the bridge answers the cloud's commands and owns the pairing window.</summary>
    public static IHostApplicationBuilder AddSubDeviceBridge(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.Services.AddOptions<BridgeOptions>()
            .Configure(o => configuration.GetSection(BridgeOptions.Section).Bind(o))
            .Validate(o => o.Validate().Count == 0, "Bridge options are invalid (addresses, ports, limits or timeouts out of range)")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<GatewayRequestHandler>();
        if (!configuration.GetValue(BridgeOptions.Section + ":" + nameof(BridgeOptions.Enabled), true))
        {
            builder.Services.TryAddSingleton<ICloudRequestHandler>(sp => sp.GetRequiredService<GatewayRequestHandler>());
            return builder;
        }
        builder.Services.TryAddSingleton<BridgeCounters>();
        builder.Services.TryAddSingleton<SubDeviceKeys>();
        builder.AddUpQueueOptions();
        builder.Services.AddSingleton(sp => new LanBridge(
            sp.GetRequiredService<IOptions<BridgeOptions>>(),
            sp.GetRequiredService<SubDeviceKeys>(),
            async ct => await FileUpQueue.OpenAsync(
                sp.GetRequiredService<IOptions<UpQueueOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<FileUpQueue>>(), ct).ConfigureAwait(false),
            sp.GetRequiredService<CloudClient>(),
            sp.GetRequiredService<GatewayRequestHandler>(),
            sp.GetRequiredService<BridgeCounters>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LanBridge>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LanBridge>());
        builder.Services.AddSingleton<IPairingWindow>(sp => sp.GetRequiredService<LanBridge>());
        builder.Services.AddSingleton<ISubDeviceBridge>(sp => sp.GetRequiredService<LanBridge>());
        // The cloud client needs the bridge to answer commands and the bridge needs the cloud client
        // to relay: the handler is found when the first command arrives.
        builder.Services.AddSingleton<ICloudRequestHandler>(sp => new DeferredRequestHandler(sp));
        return builder;
    }

    private sealed class DeferredRequestHandler(IServiceProvider services) : ICloudRequestHandler
    {
        public Task<SessionMessage> HandleAsync(SessionRequest request, string? did, CancellationToken cancellationToken) =>
            services.GetRequiredService<LanBridge>().HandleAsync(request, did, cancellationToken);
    }
}
