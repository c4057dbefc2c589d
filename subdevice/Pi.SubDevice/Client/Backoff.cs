namespace Pi.SubDevice.Client;

/// <summary>
/// Exponential backoff with "full jitter" (AWS architecture blog): the n-th retry waits a random
/// time between half of and the whole of min(max, initial × 2^n). The randomness spreads a fleet of
/// sub-devices that lost the gateway at the same moment (a gateway reboot) over the window instead
/// of letting them all knock at once.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>The first delay's upper bound.</summary>
    public TimeSpan Initial { get; } = initial;

    /// <summary>The largest delay.</summary>
    public TimeSpan Max { get; } = max;

    /// <summary>The delay before retry number <paramref name="attempt"/> (0 for the first retry).</summary>
    public TimeSpan Delay(int attempt)
    {
        var ceiling = Initial.Ticks * Math.Pow(2, Math.Min(attempt, 30));
        var bound = Math.Min(ceiling, Max.Ticks);
        // Half fixed, half random: never zero (a broker that is down is not hammered), never in step.
        return TimeSpan.FromTicks((long)(bound / 2 + _random.NextDouble() * bound / 2));
    }
}
