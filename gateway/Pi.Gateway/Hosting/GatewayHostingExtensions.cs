using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.Bridge;
using Pi.Gateway.Cloud;
using Pi.Gateway.Core;
using Pi.Gateway.Provisioning;
using Pi.Gateway.State;

namespace Pi.Gateway.Hosting;

/// <summary>
/// Wires the gateway service: state on disk, the state machine and its runner, provisioning, the
/// cloud client and the systemd integration. Options bind through the configuration binding source
/// generator (no reflection: the gateway is trimmed and AOT-compiled). Wi-Fi and GPIO are added by
/// their own extensions.
/// </summary>
public static class GatewayHostingExtensions
{
    /// <summary>Adds everything but the hardware seams (Wi-Fi radio, GPIO).</summary>
    public static IHostApplicationBuilder AddGatewayService(this IHostApplicationBuilder builder, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(args);
        builder.AddGatewayState(args);
        var configuration = builder.Configuration;

        builder.Services.AddOptions<GatewayHostOptions>()
            .Configure(o => configuration.GetSection(GatewayHostOptions.Section).Bind(o));
        builder.Services.AddOptions<CloudClientOptions>()
            .Configure(o => configuration.GetSection(CloudClientOptions.Section).Bind(o))
            .Validate(o => o.Validate().Count == 0, "Cloud options are invalid (timeouts out of range or a fingerprint that is not SHA-256 hex)")
            .ValidateOnStart();
        builder.Services.AddOptions<ProvisioningServerOptions>()
            .Configure(o => configuration.GetSection(ProvisioningServerOptions.SectionName).Bind(o))
            .Validate(o => o.Validate().Count == 0, "Provisioning options are invalid (ports, addresses or limits)")
            .ValidateOnStart();
        builder.Services.AddSingleton(_ =>
        {
            var options = ReadStateMachineOptions(configuration);
            var problems = options.Validate();
            return problems.Count == 0 ? options : throw new OptionsValidationException(nameof(GatewayStateMachineOptions), typeof(GatewayStateMachineOptions), problems);
        });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new CloudTrust(sp.GetRequiredService<IOptions<CloudClientOptions>>().Value.TrustedCertificateSha256));
        builder.Services.AddHttpClient<CloudLoginClient>()
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var trust = sp.GetRequiredService<CloudTrust>();
                var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
                handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => trust.Validate(certificate, errors);
                return handler;
            });
        builder.AddSubDeviceBridge();
        builder.Services.AddSingleton<CloudClient>();
        builder.Services.AddSingleton(sp => new GatewayStateMachine(sp.GetRequiredService<GatewayStateMachineOptions>(), Random.Shared.NextDouble));
        builder.Services.TryAddSingleton<IPairingWindow, LoggedPairingWindow>();
        builder.Services.TryAddSingleton<IHealthReporter, SystemdHealthReporter>();
        builder.Services.AddSingleton<GatewayRunner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewayRunner>());
        builder.Services.AddSystemd();
        // Registered by AddSystemd only under systemd; the watchdog reporter wants it everywhere
        // (it is disabled when NOTIFY_SOCKET is absent).
        builder.Services.TryAddSingleton<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier, Microsoft.Extensions.Hosting.Systemd.SystemdNotifier>();
        return builder;
    }

    /// <summary>
    /// The state machine's options from <c>Gateway:StateMachine</c> (Core/README.md), key by key
    /// (the gateway binds without reflection); the older <c>Gateway:FailSafeTimeout</c> still works.
    /// </summary>
    public static GatewayStateMachineOptions ReadStateMachineOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(GatewayStateMachineOptions.SectionName);
        var o = new GatewayStateMachineOptions();
        TimeSpan Time(string key, TimeSpan current) => section.GetValue<TimeSpan?>(key) ?? current;
        o = o with { FailSafeTimeout = configuration.GetValue<TimeSpan?>("Gateway:FailSafeTimeout") ?? o.FailSafeTimeout };
        return o with
        {
            FailSafeTimeout = Time(nameof(o.FailSafeTimeout), o.FailSafeTimeout),
            WifiJoinTimeout = Time(nameof(o.WifiJoinTimeout), o.WifiJoinTimeout),
            CompletionGrace = Time(nameof(o.CompletionGrace), o.CompletionGrace),
            LoginTimeout = Time(nameof(o.LoginTimeout), o.LoginTimeout),
            BackoffInitial = Time(nameof(o.BackoffInitial), o.BackoffInitial),
            BackoffMax = Time(nameof(o.BackoffMax), o.BackoffMax),
            BackoffJitter = section.GetValue<double?>(nameof(o.BackoffJitter)) ?? o.BackoffJitter,
            BadCredentialsLimit = section.GetValue<int?>(nameof(o.BadCredentialsLimit)) ?? o.BadCredentialsLimit,
            ServiceRetryInterval = Time(nameof(o.ServiceRetryInterval), o.ServiceRetryInterval),
            KeyExpiryWarning = Time(nameof(o.KeyExpiryWarning), o.KeyExpiryWarning),
            ResetUnbindTimeout = Time(nameof(o.ResetUnbindTimeout), o.ResetUnbindTimeout),
            WipeTimeout = Time(nameof(o.WipeTimeout), o.WipeTimeout),
            PairingWindow = Time(nameof(o.PairingWindow), o.PairingWindow),
            MaxPairingWindow = Time(nameof(o.MaxPairingWindow), o.MaxPairingWindow),
            HeartbeatInterval = Time(nameof(o.HeartbeatInterval), o.HeartbeatInterval),
        };
    }
}

/// <summary>Without the sub-device bridge (<c>Bridge:Enabled=false</c>), opening the pairing window is only logged.</summary>
public sealed partial class LoggedPairingWindow(ILogger<LoggedPairingWindow> logger) : IPairingWindow
{
    /// <inheritdoc />
    public void Open(TimeSpan duration) => LogOpened(logger, duration);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Information, Message = "Pairing window opened for {Duration} (the sub-device bridge is disabled)")]
    private static partial void LogOpened(ILogger logger, TimeSpan duration);
}
