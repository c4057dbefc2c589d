using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pi.Gateway.Identity;
using Pi.Gateway.Qr;

namespace Pi.Gateway.State;

/// <summary>Registers the gateway's state, identity and label.</summary>
public static class StateHostingExtensions
{
    /// <summary>
    /// Adds <see cref="IGatewayStateStore"/> (files under <see cref="StateOptions.DataDirectory"/>),
    /// <see cref="IdentityFactory"/>, <see cref="AtomicFile"/> and <see cref="QrCommand"/>, with
    /// <see cref="StateOptions"/> (section <c>State</c>) and <see cref="SoftApNamingOptions"/> (section
    /// <c>SoftAp</c>) validated at start. The data directory defaults to systemd's
    /// <c>$STATE_DIRECTORY</c> when set, else <c>/var/lib/pi-gateway</c>. <paramref name="args"/>
    /// containing <c>--regenerate-identity</c> sets <see cref="StateOptions.RegenerateIdentity"/>.
    /// </summary>
    /// <remarks>Options are read by hand rather than with the reflection-based binder: the gateway is trimmed.</remarks>
    public static IHostApplicationBuilder AddGatewayState(this IHostApplicationBuilder builder, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(args);
        var regenerate = args.Contains(StateOptions.RegenerateIdentityArgument, StringComparer.Ordinal);
        var stateDirectory = Environment.GetEnvironmentVariable("STATE_DIRECTORY");

        builder.Services.AddOptions<StateOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                var section = configuration.GetSection(StateOptions.SectionName);
                // systemd may list several directories separated by ':'; ours is the first.
                options.DataDirectory = section[nameof(StateOptions.DataDirectory)]
                    ?? (string.IsNullOrEmpty(stateDirectory) ? StateOptions.DefaultDataDirectory : stateDirectory.Split(':')[0]);
                if (section[nameof(StateOptions.MaxFileBytes)] is { } max)
                {
                    options.MaxFileBytes = int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : -1;
                }
                options.RegenerateIdentity = regenerate || (section[nameof(StateOptions.RegenerateIdentity)] is { } value
                    && (bool.TryParse(value, out var flag) ? flag : throw new InvalidOperationException($"{StateOptions.SectionName}:{nameof(StateOptions.RegenerateIdentity)} must be true or false")));
            })
            .Validate(options => options.Validate().Count == 0, "State options are invalid: DataDirectory must be absolute and MaxFileBytes within bounds")
            .ValidateOnStart();
        builder.Services.AddOptions<SoftApNamingOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                var section = configuration.GetSection(SoftApNamingOptions.SectionName);
                options.Brand = section[nameof(SoftApNamingOptions.Brand)] ?? options.Brand;
                options.Category = section[nameof(SoftApNamingOptions.Category)] ?? options.Category;
            })
            .Validate(options => options.Validate().Count == 0, "SoftAp options are invalid: Brand and Category are ASCII letters, digits or '-', at most 24 characters together")
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<PiSerialNumber>(_ => new PiSerialNumber());
        builder.Services.TryAddSingleton<IdentityFactory>();
        builder.Services.TryAddSingleton<AtomicFile>(_ => new AtomicFile());
        builder.Services.TryAddSingleton<FileGatewayStateStore>();
        builder.Services.TryAddSingleton<IGatewayStateStore>(services => services.GetRequiredService<FileGatewayStateStore>());
        builder.Services.TryAddSingleton<QrCommand>();
        return builder;
    }
}
