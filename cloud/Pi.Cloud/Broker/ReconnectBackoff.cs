using System.Security.Cryptography;

namespace Pi.Cloud.Broker;

/// <summary>
/// Delays between reconnect attempts: exponential (initial, 2x, 4x ... capped at a maximum) with
/// jitter, so that many cloud workers that lost the same broker do not all knock on it at the same
/// instant when it comes back. Attempt n waits a random time in [d/2, d], d = min(max, initial * 2^n).
/// </summary>
internal sealed class ReconnectBackoff
{
    /// <summary>First delay (before jitter) after a lost or refused connection.</summary>
    public static readonly TimeSpan DefaultInitial = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay (before jitter).</summary>
    public static readonly TimeSpan DefaultMaximum = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _initial;
    private readonly TimeSpan _maximum;
    private readonly Func<double> _randomFraction;
    private int _attempt;

    /// <param name="initial">First delay before jitter.</param>
    /// <param name="maximum">Cap before jitter.</param>
    /// <param name="randomFraction">A source of numbers in [0, 1]; tests pass a fixed one.</param>
    public ReconnectBackoff(TimeSpan initial, TimeSpan maximum, Func<double> randomFraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, initial);
        ArgumentNullException.ThrowIfNull(randomFraction);
        _initial = initial;
        _maximum = maximum;
        _randomFraction = randomFraction;
    }

    /// <summary>The production schedule: 200 ms doubling up to 30 s, jitter from the system RNG.</summary>
    public static ReconnectBackoff CreateDefault() =>
        new(DefaultInitial, DefaultMaximum, static () => RandomNumberGenerator.GetInt32(1_000_001) / 1_000_000.0);

    /// <summary>How many delays were handed out since the last <see cref="Reset"/>.</summary>
    public int Attempt => _attempt;

    /// <summary>The delay before the next attempt; each call doubles the base up to the cap.</summary>
    public TimeSpan Next()
    {
        // In doubles: 2^attempt grows past any cap long before it could overflow a long.
        var ceiling = (long)Math.Min(_maximum.Ticks, _initial.Ticks * Math.Pow(2, _attempt));
        if (_attempt < int.MaxValue)
        {
            _attempt++;
        }
        var fraction = Math.Clamp(_randomFraction(), 0.0, 1.0);
        var half = ceiling / 2;
        return TimeSpan.FromTicks(half + (long)((ceiling - half) * fraction));
    }

    /// <summary>A connection succeeded: the next loss starts again from the initial delay.</summary>
    public void Reset() => _attempt = 0;
}
