namespace Pi.Gateway.Leds;

/// <summary>
/// Plays a <see cref="LedPattern"/> on paper: given the time since the pattern started, which
/// LEDs are on and when the next one changes. Pure (no clock, no pins), so every instant of every
/// pattern can be tested; <see cref="StatusLeds"/> puts it on a timer and the pins.
/// </summary>
public sealed class LedPatternPlayer
{
    // Per LED, the end of each step from the start of the track (ticks, cumulative).
    private readonly long[][] _ends;

    public LedPatternPlayer(LedPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Pattern = pattern;
        _ends = new long[pattern.Leds.Count][];
        for (var led = 0; led < _ends.Length; led++)
        {
            var steps = pattern.Leds[led].Steps;
            _ends[led] = new long[steps.Count];
            long end = 0;
            for (var i = 0; i < steps.Count; i++)
            {
                end += steps[i].Duration.Ticks;
                _ends[led][i] = end;
            }
        }
    }

    /// <summary>The pattern played.</summary>
    public LedPattern Pattern { get; }

    /// <summary>The number of LEDs the pattern drives.</summary>
    public int LedCount => _ends.Length;

    /// <summary>Whether LED <paramref name="led"/> is on <paramref name="elapsed"/> after the pattern started.</summary>
    public bool IsOn(int led, TimeSpan elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elapsed.Ticks, nameof(elapsed));
        var ends = _ends[led];
        var steps = Pattern.Leds[led].Steps;
        var length = ends[^1];
        var t = elapsed.Ticks;
        if (Pattern.Repeats)
        {
            t %= length;
        }
        else if (t >= length)
        {
            return steps[^1].On;
        }

        return steps[StepAt(ends, t)].On;
    }

    /// <summary>Every LED's level at <paramref name="elapsed"/>, into <paramref name="levels"/> (one per LED).</summary>
    public void LevelsAt(TimeSpan elapsed, Span<bool> levels)
    {
        if (levels.Length != LedCount)
        {
            throw new ArgumentException($"One level per LED: {LedCount}.", nameof(levels));
        }

        for (var led = 0; led < levels.Length; led++)
        {
            levels[led] = IsOn(led, elapsed);
        }
    }

    /// <summary>
    /// The first time after <paramref name="elapsed"/> at which some LED's level changes, or null
    /// when none ever will again (a solid pattern, a finished one-shot).
    /// </summary>
    public TimeSpan? NextChangeAfter(TimeSpan elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elapsed.Ticks, nameof(elapsed));
        long? next = null;
        for (var led = 0; led < _ends.Length; led++)
        {
            if (NextChangeOf(led, elapsed.Ticks) is { } change && (next is null || change < next))
            {
                next = change;
            }
        }

        return next is { } ticks ? TimeSpan.FromTicks(ticks) : null;
    }

    private long? NextChangeOf(int led, long t)
    {
        var ends = _ends[led];
        var steps = Pattern.Leds[led].Steps;
        var length = ends[^1];
        var n = steps.Count;
        if (!Pattern.Repeats && t >= length)
        {
            return null;
        }

        var periodStart = Pattern.Repeats ? t - (t % length) : 0;
        var step = StepAt(ends, t - periodStart);
        var on = steps[step].On;
        // Walk the following steps (once around, for a repeating track) to the first one that differs.
        for (var k = step + 1; k <= step + n; k++)
        {
            if (!Pattern.Repeats && k >= n)
            {
                return null;
            }

            var wraps = k / n;
            var index = k % n;
            if (steps[index].On != on)
            {
                var startInPeriod = index == 0 ? 0 : ends[index - 1];
                return periodStart + (wraps * length) + startInPeriod;
            }
        }

        return null;
    }

    /// <summary>The step that covers <paramref name="t"/> (0 &lt;= t &lt; length): the first whose end is after it.</summary>
    private static int StepAt(long[] ends, long t)
    {
        var index = Array.BinarySearch(ends, t);
        // An exact hit is the end of that step, so t belongs to the next one.
        return index >= 0 ? index + 1 : ~index;
    }
}
