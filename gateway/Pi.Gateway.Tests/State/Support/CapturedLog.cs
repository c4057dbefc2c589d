using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Tests.State.Support;

/// <summary>One log entry as written, with its structured values rendered as text.</summary>
internal sealed record CapturedEntry(string Category, LogLevel Level, EventId EventId, string Message, string State, Exception? Exception);

/// <summary>A logger that keeps every entry (at every level, trace included) in memory.</summary>
internal sealed class CapturedLog
{
    private readonly ConcurrentQueue<CapturedEntry> _entries = new();

    public IReadOnlyList<CapturedEntry> Entries => [.. _entries];

    /// <summary>Everything written, messages, structured values and exceptions, as one text to search for secrets.</summary>
    public string AllText => string.Join('\n', _entries.Select(e => $"{e.Level} {e.EventId} {e.Message} | {e.State} | {e.Exception}"));

    public ILogger<T> For<T>() => new Logger<T>(this);

    private sealed class Logger<T>(CapturedLog log) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : state?.ToString() ?? string.Empty;
            log._entries.Enqueue(new CapturedEntry(typeof(T).Name, logLevel, eventId, formatter(state, exception), values, exception));
        }
    }
}
