using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pi.Gateway.State;

namespace Pi.Gateway.Bridge.Queue;

/// <summary>Registers the up queue's options.</summary>
public static class UpQueueHostingExtensions
{
    /// <summary>
    /// Adds <see cref="UpQueueOptions"/> bound from section <c>Bridge:Queue</c> (by the configuration
    /// binding source generator: no reflection), with <see cref="UpQueueOptions.Directory"/> defaulting
    /// to <c>&lt;State:DataDirectory&gt;/queue</c>, validated at start. The bridge opens the queue with
    /// <see cref="FileUpQueue.OpenAsync"/> when it starts (opening scans the files, so it is not done in
    /// a constructor) and disposes it when it stops.
    /// </summary>
    public static IHostApplicationBuilder AddUpQueueOptions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.Services.AddOptions<UpQueueOptions>()
            .Configure<IOptions<StateOptions>>((options, state) => Bind(configuration, state.Value, options))
            .Validate(options => options.Validate().Count == 0, "Bridge:Queue options are invalid (an absolute directory, limits within bounds, SyncInterval 0 to 1 hour)")
            .ValidateOnStart();
        return builder;
    }

    /// <summary>Binds section <c>Bridge:Queue</c> of <paramref name="configuration"/> onto <paramref name="options"/>.</summary>
    public static void Bind(IConfiguration configuration, StateOptions state, UpQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        configuration.GetSection(UpQueueOptions.SectionName).Bind(options);
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            options.Directory = Path.Combine(state.DataDirectory, UpQueueOptions.DefaultDirectoryName);
        }
    }
}
