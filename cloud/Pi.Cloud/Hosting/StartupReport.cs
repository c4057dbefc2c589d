using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Cloud.Options;

namespace Pi.Cloud;

/// <summary>Says once, when the host is ready, where the API and the session channel are.</summary>
public sealed partial class StartupReport(IHostApplicationLifetime lifetime, CloudUrls urls, IOptions<CloudOptions> options, ILogger<StartupReport> logger) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => LogReady(logger, urls.PublicUrl ?? "?", urls.MqttUrl ?? "?", options.Value.Mqtt.Mode, options.Value.Verification));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Pi Cloud ready: API {ApiUrl}, session channel {MqttUrl} ({Mode} broker), verification codes by {Verification}")]
    private static partial void LogReady(ILogger logger, string apiUrl, string mqttUrl, BrokerMode mode, VerificationMode verification);
}
