using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pi.App.Demo;

/// <summary>
/// Where the hosted parts' logs go: standard error, one line each, prefixed with the part
/// (<c>cloud</c>, <c>gateway</c>, <c>sub-device</c>), redacted like every other line of the app.
/// Warning and above by default, Information and above with <c>--verbose</c>. The parts log no
/// secrets by design; the redaction is a second fence for the ones the demo made up.
/// </summary>
internal sealed class DemoLogSink
{
    private readonly CliContext _io;
    private readonly Lock _lock = new();

    public DemoLogSink(CliContext io, bool verbose)
    {
        _io = io;
        MinimumLevel = verbose ? LogLevel.Information : LogLevel.Warning;
    }

    public LogLevel MinimumLevel { get; }

    /// <summary>
    /// Set when the demo stops its parts in order: their warnings then are about links and sessions
    /// ending (a sub-device's link stopped, a packet after the gateway logged out) and are expected,
    /// so they count as Information (shown with --verbose). Errors still show.
    /// </summary>
    public bool Stopping { get; set; }

    public ILoggerProvider Provider(string part) => new PartProvider(this, part);

    public ILoggerFactory Factory(string part) => LoggerFactory.Create(builder =>
    {
        builder.ClearProviders();
        builder.SetMinimumLevel(MinimumLevel);
        builder.AddProvider(Provider(part));
    });

    /// <summary>Replaces a host's log providers and its console lifetime (the demo handles Ctrl+C itself).</summary>
    public void Configure(IHostApplicationBuilder builder, string part)
    {
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(MinimumLevel);
        builder.Logging.AddProvider(Provider(part));
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<IHostLifetime, QuietLifetime>(builder.Services);
    }

    private void Write(string part, LogLevel level, string category, string message, Exception? exception)
    {
        if (Stopping && level == LogLevel.Warning)
        {
            level = LogLevel.Information;
            if (level < MinimumLevel)
            {
                return;
            }
        }
        var shortCategory = category[(category.LastIndexOf('.') + 1)..];
        var text = $"{part} {Level(level)} {shortCategory}: {message}";
        if (exception is not null)
        {
            text += $" ({exception.GetType().Name}: {exception.Message})";
        }
        lock (_lock)
        {
            if (level >= LogLevel.Warning)
            {
                _io.WriteWarning(text);
            }
            else
            {
                _io.WriteNote(text);
            }
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        _ => "critical",
    };

    private sealed class PartProvider(DemoLogSink sink, string part) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new PartLogger(sink, part, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class PartLogger(DemoLogSink sink, string part, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= sink.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                sink.Write(part, logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}

/// <summary>A host lifetime without Ctrl+C handling: the demo stops its hosts itself, in order.</summary>
internal sealed class QuietLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
