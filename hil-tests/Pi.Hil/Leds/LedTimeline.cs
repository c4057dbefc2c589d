using System.Globalization;
using System.Text;

namespace Pi.Hil.Leds;

/// <summary>One LED level change: LED index (0 green / the only LED, 1 red), on or off, when (the rig's clock).</summary>
public readonly record struct LedChange(int Led, bool On, DateTimeOffset At);

/// <summary>
/// What the rig saw on the LEDs between <see cref="From"/> and <see cref="To"/>: each LED's level
/// at <see cref="From"/>, then every change, in time order. Pure data; <see cref="LedPatternMatcher"/>
/// reads the gateway's patterns from it.
/// </summary>
public sealed class LedTimeline
{
    /// <summary>Makes a timeline; changes outside [from, to] are dropped, the rest sorted by time.</summary>
    public LedTimeline(IReadOnlyList<bool> initial, IEnumerable<LedChange> changes, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(changes);
        Initial = [.. initial];
        From = from;
        To = to;
        Changes = [.. changes.Where(c => c.At >= from && c.At <= to && c.Led >= 0 && c.Led < initial.Count).OrderBy(c => c.At)];
    }

    /// <summary>How many LEDs.</summary>
    public int LedCount => Initial.Count;

    /// <summary>Each LED's level at <see cref="From"/>.</summary>
    public IReadOnlyList<bool> Initial { get; }

    /// <summary>Every change in the window, oldest first.</summary>
    public IReadOnlyList<LedChange> Changes { get; }

    /// <summary>Start of the window.</summary>
    public DateTimeOffset From { get; }

    /// <summary>End of the window.</summary>
    public DateTimeOffset To { get; }

    /// <summary>The levels at <paramref name="at"/>.</summary>
    public bool[] LevelsAt(DateTimeOffset at)
    {
        var levels = Initial.ToArray();
        foreach (var change in Changes)
        {
            if (change.At > at)
            {
                break;
            }
            levels[change.Led] = change.On;
        }
        return levels;
    }

    /// <summary>The part of this timeline between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public LedTimeline Slice(DateTimeOffset from, DateTimeOffset to)
    {
        var start = from < From ? From : from;
        var end = to > To ? To : to;
        return new LedTimeline(LevelsAt(start), Changes.Where(c => c.At > start && c.At <= end), start, end);
    }

    /// <summary>
    /// One LED's steady stretches: (level, start, end, complete), where a stretch is complete when
    /// both its edges were seen (the first and last are cut by the window).
    /// </summary>
    public IReadOnlyList<(bool On, DateTimeOffset Start, DateTimeOffset End, bool Complete)> Segments(int led)
    {
        var result = new List<(bool, DateTimeOffset, DateTimeOffset, bool)>();
        var level = Initial[led];
        var start = From;
        var startSeen = false;
        foreach (var change in Changes.Where(c => c.Led == led))
        {
            if (change.On == level)
            {
                continue; // a repeated level is no edge
            }
            result.Add((level, start, change.At, startSeen));
            level = change.On;
            start = change.At;
            startSeen = true;
        }
        result.Add((level, start, To, false));
        return result;
    }

    /// <summary>The timeline as text: one line per change with milliseconds since <see cref="From"/>.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"LEDs from {From:HH:mm:ss.fff} to {To:HH:mm:ss.fff}, initially {string.Concat(Initial.Select(l => l ? '1' : '0'))}");
        foreach (var change in Changes)
        {
            builder.Append(CultureInfo.InvariantCulture, $"; +{(change.At - From).TotalMilliseconds:0} led{change.Led}={(change.On ? 1 : 0)}");
        }
        return builder.ToString();
    }
}
