using Pi.Gateway.Leds;

namespace Pi.Hil.Leds;

/// <summary>
/// Tells the gateway's LED patterns (gateway/Pi.Gateway/Leds/README.md, the same tables in
/// <see cref="LedPatterns"/>) from a recorded <see cref="LedTimeline"/>, as a person glancing at
/// the LEDs would: by the lengths of the on and off stretches, whatever the phase.
/// </summary>
public static class LedPatternMatcher
{
    /// <summary>Each stretch may be off by this fraction of its length (more would take CloudUnreachable's 1550 ms dark for KeyExpired's 1250 ms)...</summary>
    public const double RelativeTolerance = 0.15;

    /// <summary>...or by this much, whichever is more (timers on a loaded machine, the rig's own latency).</summary>
    public static readonly TimeSpan AbsoluteTolerance = TimeSpan.FromMilliseconds(60);

    /// <summary>A track as its cyclic run of (level, length), neighbouring steps of one level merged.</summary>
    public static IReadOnlyList<(bool On, TimeSpan Length)> Runs(LedTrack track)
    {
        ArgumentNullException.ThrowIfNull(track);
        var runs = new List<(bool On, TimeSpan Length)>();
        foreach (var step in track.Steps)
        {
            if (runs.Count > 0 && runs[^1].On == step.On)
            {
                runs[^1] = (step.On, runs[^1].Length + step.Duration);
            }
            else
            {
                runs.Add((step.On, step.Duration));
            }
        }
        if (runs.Count > 1 && runs[0].On == runs[^1].On)
        {
            // Cyclic: the last run continues into the first.
            runs[0] = (runs[0].On, runs[0].Length + runs[^1].Length);
            runs.RemoveAt(runs.Count - 1);
        }
        return runs;
    }

    /// <summary>How long a window must be to tell <paramref name="state"/> for sure: a full cycle plus its longest stretch (two cut ends).</summary>
    public static TimeSpan WindowFor(LedState state, int ledCount)
    {
        var pattern = LedPatterns.For(state, ledCount);
        var longest = pattern.Leds.SelectMany(Runs).Max(r => r.Length);
        return pattern.Length + longest + TimeSpan.FromMilliseconds(200);
    }

    /// <summary>
    /// Whether the whole of <paramref name="timeline"/> shows <paramref name="state"/>: a steady LED
    /// of the pattern never changes and has its level; a blinking one has only complete stretches
    /// that follow the pattern's cycle, at least <paramref name="minimumStretches"/> of them (default:
    /// one full cycle).
    /// </summary>
    public static bool Shows(LedTimeline timeline, LedState state, int? minimumStretches = null)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var pattern = LedPatterns.For(state, timeline.LedCount);
        var primary = Enumerable.Range(0, timeline.LedCount).FirstOrDefault(i => Runs(pattern.Leds[i]).Count > 1, -1);
        for (var led = 0; led < timeline.LedCount; led++)
        {
            var runs = Runs(pattern.Leds[led]);
            var segments = timeline.Segments(led);
            if (runs.Count == 1)
            {
                if (segments.Count != 1 || segments[0].On != runs[0].On)
                {
                    return false;
                }
                continue;
            }
            var complete = segments.Where(s => s.Complete).ToList();
            // A second blinking LED changes at (nearly) the same moments as the first: a slice cut
            // at the first one's edges may lose up to two of its stretches.
            var needed = minimumStretches is { } min ? (led == primary ? min : Math.Max(0, min - 2)) : runs.Count;
            if (complete.Count < needed || !FollowsCycle(complete.Select(s => (s.On, s.End - s.Start)).ToList(), runs))
            {
                return false;
            }
            // The cut ends must not be longer than their run either.
            if (segments[0].End - segments[0].Start > runs.Where(r => r.On == segments[0].On).Max(r => Allow(r.Length)) ||
                segments[^1].End - segments[^1].Start > runs.Where(r => r.On == segments[^1].On).Max(r => Allow(r.Length)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The states whose pattern the whole timeline shows (usually one; none while a pattern changes).</summary>
    public static IReadOnlyList<LedState> Identify(LedTimeline timeline) =>
        [.. Enum.GetValues<LedState>().Where(s => Shows(timeline, s))];

    /// <summary>
    /// The first stretch of <paramref name="timeline"/> where <paramref name="state"/> shows for at
    /// least <paramref name="stretches"/> complete stretches of its first blinking LED; null when none.
    /// For a pattern shown only briefly (Resetting).
    /// </summary>
    public static (DateTimeOffset From, DateTimeOffset To)? Find(LedTimeline timeline, LedState state, int stretches)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var pattern = LedPatterns.For(state, timeline.LedCount);
        var led = Enumerable.Range(0, timeline.LedCount).FirstOrDefault(i => Runs(pattern.Leds[i]).Count > 1, -1);
        if (led < 0)
        {
            throw new ArgumentException($"{state} does not blink; use Shows over a window", nameof(state));
        }
        var complete = timeline.Segments(led).Where(s => s.Complete).ToList();
        for (var first = 0; first + stretches <= complete.Count; first++)
        {
            var from = complete[first].Start;
            var to = complete[first + stretches - 1].End;
            // Inset by a millisecond so the edges at both ends cut nothing off.
            var slice = timeline.Slice(from.AddMilliseconds(-1), to.AddMilliseconds(1));
            if (Shows(slice, state, stretches))
            {
                return (from, to);
            }
        }
        return null;
    }

    /// <summary>
    /// A pattern shown too briefly to repeat (the Resetting flicker before the softAP comes back,
    /// maybe cut short by the next pattern): the first stretch where the LEDs together show a
    /// combination of levels for a time that, of all the table's patterns showing that combination
    /// for at least that long (within tolerance), <paramref name="state"/>'s does for the shortest
    /// time, and no other could have shown it that long uncut: a brief stretch is the fastest
    /// pattern's. Null when none.
    /// </summary>
    public static (DateTimeOffset From, DateTimeOffset To)? FindBrief(LedTimeline timeline, LedState state)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var tables = Enum.GetValues<LedState>().ToDictionary(s => s, s => Combinations(LedPatterns.For(s, timeline.LedCount)));
        var edges = timeline.Changes.Select(c => c.At).Distinct().OrderBy(t => t).ToList();
        for (var i = 0; i + 1 < edges.Count; i++)
        {
            var (from, to) = (edges[i], edges[i + 1]);
            var length = to - from;
            if (length < SimultaneousEdges)
            {
                continue; // two LEDs switching "at once" a millisecond apart
            }
            var levels = Key(timeline.LevelsAt(from));
            var candidates = tables
                .Select(t => (State: t.Key, Run: t.Value.Where(c => c.Levels == levels && length <= Allow(c.Length)).Select(c => c.Length).DefaultIfEmpty(TimeSpan.Zero).Min()))
                .Where(c => c.Run > TimeSpan.Zero)
                .OrderBy(c => c.Run)
                .ToList();
            // ...and no slower pattern could have shown it that long without being cut.
            if (candidates.Count > 0 && candidates[0].State == state
                && candidates.Skip(1).All(c => c.Run == TimeSpan.MaxValue || length < c.Run - TimeSpan.FromTicks(Math.Max(AbsoluteTolerance.Ticks, (long)(c.Run.Ticks * RelativeTolerance)))))
            {
                return (from, to);
            }
        }
        return null;
    }

    /// <summary>Edges of different LEDs closer than this are one change.</summary>
    public static readonly TimeSpan SimultaneousEdges = TimeSpan.FromMilliseconds(5);

    // A pattern as its cyclic stretches of combined levels ("10" = first on, second off) and their lengths.
    private static List<(string Levels, TimeSpan Length)> Combinations(LedPattern pattern)
    {
        var player = new LedPatternPlayer(pattern);
        var levels = new bool[pattern.Leds.Count];
        var result = new List<(string Levels, TimeSpan Length)>();
        var at = TimeSpan.Zero;
        while (at < pattern.Length)
        {
            player.LevelsAt(at, levels);
            var next = player.NextChangeAfter(at) is { } n && n < pattern.Length ? n : pattern.Length;
            var key = Key(levels);
            if (result.Count > 0 && result[^1].Levels == key)
            {
                result[^1] = (key, result[^1].Length + (next - at));
            }
            else
            {
                result.Add((key, next - at));
            }
            at = next;
        }
        if (result.Count == 1)
        {
            return [(result[0].Levels, TimeSpan.MaxValue)]; // steady
        }
        if (result[0].Levels == result[^1].Levels)
        {
            result[0] = (result[0].Levels, result[0].Length + result[^1].Length);
            result.RemoveAt(result.Count - 1);
        }
        return result;
    }

    private static string Key(IEnumerable<bool> levels) => string.Concat(levels.Select(l => l ? '1' : '0'));

    private static TimeSpan Allow(TimeSpan length) =>
        length == TimeSpan.MaxValue ? length : length + TimeSpan.FromTicks(Math.Max(AbsoluteTolerance.Ticks, (long)(length.Ticks * RelativeTolerance)));

    private static bool Near(TimeSpan seen, TimeSpan expected) =>
        (seen - expected).Duration() <= TimeSpan.FromTicks(Math.Max(AbsoluteTolerance.Ticks, (long)(expected.Ticks * RelativeTolerance)));

    private static bool FollowsCycle(List<(bool On, TimeSpan Length)> seen, IReadOnlyList<(bool On, TimeSpan Length)> runs)
    {
        for (var offset = 0; offset < runs.Count; offset++)
        {
            var ok = true;
            for (var i = 0; i < seen.Count && ok; i++)
            {
                var run = runs[(offset + i) % runs.Count];
                ok = run.On == seen[i].On && Near(seen[i].Length, run.Length);
            }
            if (ok)
            {
                return true;
            }
        }
        return false;
    }
}
