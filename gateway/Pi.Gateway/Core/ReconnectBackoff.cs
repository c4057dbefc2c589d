namespace Pi.Gateway.Core;

/// <summary>
/// Exponential backoff with bounded jitter: attempt n waits d = min(max, initial·2ⁿ) less a random
/// fraction of it, so every delay lies in [d·(1 - jitter), d] and never exceeds max. Taking the jitter
/// off (never adding it) keeps the cap a hard bound while still spreading a fleet that lost the
/// cloud at the same moment.
/// </summary>
public static class ReconnectBackoff
{
    /// <summary>The delay before the next try, <paramref name="random"/> in [0, 1] (clamped; NaN counts as 0).</summary>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, double jitter, double random)
    {
        var ceiling = Ceiling(attempt, initial, max);
        var r = double.IsNaN(random) ? 0 : Math.Clamp(random, 0, 1);
        var j = double.IsNaN(jitter) ? 0 : Math.Clamp(jitter, 0, 1);
        return TimeSpan.FromTicks((long)(ceiling.Ticks * (1 - (j * r))));
    }

    /// <summary>The delay of attempt <paramref name="attempt"/> before jitter: min(max, initial·2^attempt).</summary>
    public static TimeSpan Ceiling(int attempt, TimeSpan initial, TimeSpan max)
    {
        var exponent = Math.Clamp(attempt, 0, 62);
        var ticks = Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)Math.Max(0, ticks));
    }
}
