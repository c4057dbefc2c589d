using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Pi.Cloud;
using Pi.Cloud.Devices;
using Pi.Cloud.Sessions;
using Pi.Cloud.Store;

namespace Pi.App.Demo;

/// <summary>
/// The real cloud host (cloud/Pi.Cloud, as <c>dotnet run --project cloud/Pi.Cloud</c> builds it):
/// Kestrel with TLS on its development certificate on 127.0.0.1, the embedded MQTT broker, a SQLite
/// file, all under <c>cloud/</c> of the demo's data directory. The demo plays the factory once
/// (it imports the gateway's factory record, as <c>Pi.Cloud import-devices</c> does); everything
/// else reaches the cloud only through its sockets.
/// </summary>
internal sealed class DemoCloud : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DemoCloud(WebApplication app, string dataDirectory)
    {
        _app = app;
        var urls = app.Services.GetRequiredService<CloudUrls>();
        Url = new Uri(urls.PublicUrl!);
        MqttUrl = urls.MqttUrl ?? "";
        HttpEndPoint = urls.HttpEndPoint!;
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(dataDirectory, "tls", "dev-cert.pfx"), null);
        Fingerprint = Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
        Presence = app.Services.GetRequiredService<GatewayPresence>();
    }

    /// <summary>The API's URL (https://127.0.0.1:port/).</summary>
    public Uri Url { get; }

    /// <summary>Where gateways keep their session channel (mqtts://127.0.0.1:port).</summary>
    public string MqttUrl { get; }

    public IPEndPoint HttpEndPoint { get; }

    /// <summary>SHA-256 of the development certificate, lower-case hex (what the cloud's log prints at start).</summary>
    public string Fingerprint { get; }

    /// <summary>The cloud's view of who is online and what they last reported (the demo listens to its events).</summary>
    public GatewayPresence Presence { get; }

    /// <summary>Starts the host; <paramref name="port"/> 0 picks a free port.</summary>
    public static async Task<DemoCloud> StartAsync(string dataDirectory, int port, DemoLogSink logs, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dataDirectory);
        string[] args =
        [
            $"--contentRoot={dataDirectory}",
            $"--Cloud:DataDirectory={dataDirectory}",
            "--Cloud:Http:Address=127.0.0.1",
            FormattableString.Invariant($"--Cloud:Http:Port={port}"),
            "--Cloud:Mqtt:Address=127.0.0.1",
            "--Cloud:Mqtt:Port=0",
            "--Cloud:Verification=Import",
        ];
        var app = CloudApp.Build(args, builder =>
        {
            logs.Configure(builder, "cloud");
            // ASP.NET Core's data-protection key ring would otherwise be written to ~/.aspnet: keep it
            // in the data directory, which is removed at the end (so "not encrypted at rest", which
            // data protection warns about, does not matter here).
            builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "data-protection")));
            Microsoft.Extensions.Logging.FilterLoggingBuilderExtensions.AddFilter(builder.Logging, "Microsoft.AspNetCore.DataProtection", Microsoft.Extensions.Logging.LogLevel.Error);
        });
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new DemoCloud(app, dataDirectory);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// What a factory does for every gateway it makes: the cloud learns its MAC, uuid, serial number
    /// and verification code (the same parser and store call as <c>Pi.Cloud import-devices</c>).
    /// </summary>
    public async Task ImportFactoryRecordAsync(string mac, string uuid, string sn, string verificationCode, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new[] { new DemoFactoryRecord(mac, uuid, sn, verificationCode) }, DemoJson.Default.DemoFactoryRecordArray);
        var records = FactoryRecordImport.Parse(json, FactoryImportFormat.Json, TimeProvider.System);
        await _app.Services.GetRequiredService<ICloudStore>().ImportFactoryRecordsAsync(records, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _app.StopAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Disposing below ends what did not stop in time.
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
