using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>One log line as written.</summary>
internal sealed record LogLine(LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>
/// A logger that keeps every line (all levels) and lets a test await the line an event produces,
/// instead of sleeping.
/// </summary>
internal sealed class CapturedLog
{
    private readonly Lock _lock = new();
    private readonly List<LogLine> _lines = [];
    private readonly List<(Func<LogLine, bool> Match, TaskCompletionSource<LogLine> Found)> _waiters = [];

    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger<T> For<T>() => new Logger<T>(this);

    /// <summary>Lines with this event id (see ProvisioningLog).</summary>
    public IReadOnlyList<LogLine> WithId(int eventId) => [.. Lines.Where(line => line.EventId.Id == eventId)];

    /// <summary>The first line (already written or still to come) that matches.</summary>
    public async Task<LogLine> WaitForAsync(Func<LogLine, bool> match, TimeSpan? timeout = null)
    {
        TaskCompletionSource<LogLine> found;
        lock (_lock)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }
            found = new TaskCompletionSource<LogLine>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
        }
        try
        {
            return await found.Task.WaitAsync(timeout ?? TestTimeouts.Wait);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("no such log line; the log has:\n" + string.Join("\n", Lines.Select(l => $"{l.EventId.Id} {l.Level} {l.Message}")));
        }
    }

    /// <summary>Waits for a refusal line (event 2011 search, 2020 connection) naming <paramref name="code"/>.</summary>
    public Task<LogLine> WaitForRefusalAsync(int eventId, string code) =>
        WaitForAsync(line => line.EventId.Id == eventId && line.Message.Contains($": {code}: ", StringComparison.Ordinal));

    private void Write(LogLine line)
    {
        List<TaskCompletionSource<LogLine>> matched = [];
        lock (_lock)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    matched.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (var found in matched)
        {
            found.TrySetResult(line);
        }
    }

    private sealed class Logger<T>(CapturedLog log) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Write(new LogLine(logLevel, eventId, formatter(state, exception), exception));
    }
}

internal static class TestTimeouts
{
    /// <summary>How long a test waits for something that should happen at once (generous: CI is shared).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static CancellationToken Token() => new CancellationTokenSource(Wait).Token;
}
