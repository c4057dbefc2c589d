using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Pi.Cloud.Options;

namespace Pi.Cloud.Login;

/// <summary>
/// Counts failed logins per key (a tid, or a source address) in a fixed window; once a key has
/// <see cref="GatewayLoginOptions.MaxFailures"/> failures in the window it is refused without any
/// work until the window ends. Success does not reset the count of a source address (a client
/// that guesses among many tids stays throttled) but does reset the tid's.
/// </summary>
public sealed class LoginThrottle
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IOptions<CloudOptions> _options;

    public LoginThrottle(TimeProvider time, IOptions<CloudOptions> options)
    {
        _time = time;
        _options = options;
    }

    /// <summary>When refused, how long until the key may try again; null when allowed.</summary>
    public TimeSpan? RetryAfter(string key)
    {
        if (!_windows.TryGetValue(key, out var window))
        {
            return null;
        }
        var now = _time.GetUtcNow();
        if (now >= window.EndsAt)
        {
            _windows.TryRemove(new KeyValuePair<string, Window>(key, window));
            return null;
        }
        return window.Failures >= _options.Value.Login.MaxFailures ? window.EndsAt - now : null;
    }

    /// <summary>Counts one failure.</summary>
    public void Fail(string key)
    {
        var now = _time.GetUtcNow();
        var length = _options.Value.Login.FailureWindow;
        _windows.AddOrUpdate(
            key,
            _ => new Window(1, now + length),
            (_, w) => now >= w.EndsAt ? new Window(1, now + length) : w with { Failures = w.Failures + 1 });
        if (_windows.Count > 100_000)
        {
            Sweep(now);
        }
    }

    /// <summary>Forgets a key's failures.</summary>
    public void Reset(string key) => _windows.TryRemove(key, out _);

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, window) in _windows)
        {
            if (now >= window.EndsAt)
            {
                _windows.TryRemove(key, out _);
            }
        }
    }

    private sealed record Window(int Failures, DateTimeOffset EndsAt);
}
