using Microsoft.Extensions.DependencyInjection;
using Pi.Cloud.Devices;
using Pi.Cloud.Store;

namespace Pi.Cloud;

/// <summary>
/// <c>Pi.Cloud import-devices &lt;file.csv|file.json&gt; [settings]</c>: imports factory records
/// (MAC, uuid, sn, verification code) into the configured store, all or nothing. This is how a
/// product team tells the cloud the verification codes of the devices it manufactured.
/// </summary>
public static class DeviceImportCommand
{
    /// <summary>Runs the command; returns the process exit code (0 ok, 1 usage, 2 bad input).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        output ??= Console.Out;
        error ??= Console.Error;
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            await error.WriteLineAsync("usage: Pi.Cloud import-devices <records.csv|records.json> [--Cloud:Store:ConnectionString=...]").ConfigureAwait(false);
            return 1;
        }
        var path = args[0];
        var format = Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase) ? FactoryImportFormat.Json : FactoryImportFormat.Csv;
        byte[] content;
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > FactoryRecordImport.DefaultMaxBytes)
            {
                await error.WriteLineAsync($"error: {path} is larger than {FactoryRecordImport.DefaultMaxBytes} bytes").ConfigureAwait(false);
                return 2;
            }
            content = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: cannot read {path}: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        IReadOnlyList<FactoryRecord> records;
        try
        {
            records = FactoryRecordImport.Parse(content, format, TimeProvider.System);
        }
        catch (FactoryImportException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        // The same configuration as the host (appsettings, environment, --Cloud:... arguments).
        await using var app = CloudApp.Build(args[1..]);
        var store = app.Services.GetRequiredService<ICloudStore>();
        await store.MigrateAsync(CancellationToken.None).ConfigureAwait(false);
        var (inserted, updated) = await store.ImportFactoryRecordsAsync(records, CancellationToken.None).ConfigureAwait(false);
        await output.WriteLineAsync($"imported {records.Count} device records ({inserted} new, {updated} updated)").ConfigureAwait(false);
        return 0;
    }
}
