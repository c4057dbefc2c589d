using System.Diagnostics;

namespace Pi.Cloud.Store;

/// <summary>
/// Brings the schema up to date in <see cref="StartingAsync"/>, which the host runs before any
/// hosted service's StartAsync, so no request meets a missing table. A failure stops the start.
/// </summary>
internal sealed partial class StoreMigrationService(ICloudStore store, ILogger<StoreMigrationService> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var engine = store is SqlCloudStore sql ? sql.Engine : store.GetType().Name;
        LogMigrated(logger, engine, elapsed);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Store schema is current ({Engine}, {ElapsedMilliseconds} ms)")]
    private static partial void LogMigrated(ILogger logger, string engine, long elapsedMilliseconds);
}
