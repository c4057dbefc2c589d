using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pi.Cloud.Tests.Support;

/// <summary>
/// A real Kestrel host on 127.0.0.1 with a free port, in the Production environment, with its log
/// captured in memory; for tests of middleware and endpoints as a client sees them.
/// </summary>
internal sealed class LoopbackWebApplication : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackWebApplication(WebApplication app, Uri address, CapturedLog log)
    {
        _app = app;
        Log = log;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    public CapturedLog Log { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LoopbackWebApplication> StartAsync(
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> map,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var log = new CapturedLog();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(log);
        configure(builder);

        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new LoopbackWebApplication(app, new Uri(address), log);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
