using Pi.Gateway.Leds;
using Pi.Hil.Leds;

namespace Pi.Hil.Tests;

/// <summary>The LED pattern matcher against timelines made from the gateway's own pattern player.</summary>
public sealed class Led_Matcher_Tests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    // What a rig would record of a pattern played from `phase`, for `length`, with every edge moved by up to `jitterMs`.
    private static LedTimeline Play(LedState state, int ledCount, TimeSpan phase, TimeSpan length, int jitterMs = 0, int seed = 1)
    {
        var player = new LedPatternPlayer(LedPatterns.For(state, ledCount));
        var random = new Random(seed);
        var levels = new bool[ledCount];
        player.LevelsAt(phase, levels);
        var initial = levels.ToArray();
        var changes = new List<LedChange>();
        var now = phase;
        while (player.NextChangeAfter(now) is { } next && next - phase <= length)
        {
            var after = new bool[ledCount];
            player.LevelsAt(next, after);
            for (var led = 0; led < ledCount; led++)
            {
                if (after[led] != levels[led])
                {
                    // Jitter never moves an edge before the recording began.
                    var at = T0 + (next - phase) + TimeSpan.FromMilliseconds(random.Next(-jitterMs, jitterMs + 1));
                    changes.Add(new LedChange(led, after[led], at <= T0 ? T0.AddMilliseconds(1) : at));
                }
            }
            levels = after;
            now = next;
        }
        return new LedTimeline(initial, changes, T0, T0 + length);
    }

    public static TheoryData<LedState, int> States()
    {
        var data = new TheoryData<LedState, int>();
        foreach (var state in Enum.GetValues<LedState>())
        {
            data.Add(state, 1);
            data.Add(state, 2);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(States))]
    public void Every_pattern_is_told_apart_from_the_others_at_any_phase_with_timer_jitter(LedState state, int ledCount)
    {
        var window = LedPatternMatcher.WindowFor(state, ledCount);
        for (var phaseMs = 0; phaseMs < 2000; phaseMs += 70)
        {
            var timeline = Play(state, ledCount, TimeSpan.FromMilliseconds(phaseMs), window, jitterMs: 15, seed: phaseMs);
            Assert.Equal([state], LedPatternMatcher.Identify(timeline));
        }
    }

    [Fact]
    public void A_change_of_pattern_inside_the_window_matches_neither()
    {
        var online = Play(LedState.Online, 2, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        var cut = T0 + TimeSpan.FromSeconds(1.5);
        // Online for 1.5 s (longer than any stretch of the softAP's blink), then the softAP's slow blink starting dark.
        var mixed = new LedTimeline(online.Initial, [new LedChange(0, false, cut), new LedChange(0, true, cut.AddSeconds(1)), new LedChange(0, false, cut.AddSeconds(2))], T0, T0.AddSeconds(3.3));
        Assert.Empty(LedPatternMatcher.Identify(mixed));
    }

    [Fact]
    public void A_single_resetting_flicker_between_online_and_the_softap_is_found_and_a_slow_blink_is_not_taken_for_it()
    {
        // Online (green on), ~100 ms of Resetting (green off, red on), then the softAP (green 1 s on, 1 s off).
        var changes = new List<LedChange>
        {
            new(0, false, T0.AddMilliseconds(500)), new(1, true, T0.AddMilliseconds(501)),
            new(0, true, T0.AddMilliseconds(590)), new(1, false, T0.AddMilliseconds(590)),
            new(0, false, T0.AddMilliseconds(1590)), new(0, true, T0.AddMilliseconds(2590)),
        };
        var timeline = new LedTimeline([true, false], changes, T0, T0.AddMilliseconds(3000));
        var found = LedPatternMatcher.Find(timeline, LedState.Resetting, 1);
        Assert.NotNull(found);
        Assert.Equal(T0.AddMilliseconds(500), found.Value.From);

        var softAp = Play(LedState.SoftApWaiting, 2, TimeSpan.Zero, TimeSpan.FromSeconds(6));
        Assert.Null(LedPatternMatcher.Find(softAp, LedState.Resetting, 1));
    }

    [Fact]
    public void A_resetting_flicker_cut_short_by_the_softap_is_found_as_a_brief_pattern_and_nothing_else_is()
    {
        // As seen on the loopback rig: the reset took 130 ms, so the red-on/green-off step lasted 30 ms.
        var changes = new List<LedChange>
        {
            new(0, false, T0.AddMilliseconds(1613)), new(1, true, T0.AddMilliseconds(1613)),
            new(0, true, T0.AddMilliseconds(1643)), new(1, false, T0.AddMilliseconds(1643)),
            new(0, false, T0.AddMilliseconds(2644)), new(0, true, T0.AddMilliseconds(3644)),
        };
        var timeline = new LedTimeline([true, false], changes, T0, T0.AddMilliseconds(4000));
        Assert.Equal((T0.AddMilliseconds(1613), T0.AddMilliseconds(1643)), LedPatternMatcher.FindBrief(timeline, LedState.Resetting));
        Assert.Null(LedPatternMatcher.FindBrief(timeline, LedState.KeyExpired)); // red on, green off, but for a second
        // Nothing in a plain slow blink, a double flash or a triple flash looks like a brief Resetting.
        foreach (var state in new[] { LedState.SoftApWaiting, LedState.CloudUnreachable, LedState.KeyExpired, LedState.Error, LedState.Provisioning })
        {
            Assert.Null(LedPatternMatcher.FindBrief(Play(state, 2, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(6)), LedState.Resetting));
        }
    }

    [Fact]
    public void Runs_merge_neighbouring_steps_and_wrap_around()
    {
        Assert.Equal([(true, TimeSpan.FromMilliseconds(2000))], LedPatternMatcher.Runs(LedTrack.Parse("+2000")));
        Assert.Equal([(true, TimeSpan.FromMilliseconds(200)), (false, TimeSpan.FromMilliseconds(1800))], LedPatternMatcher.Runs(LedTrack.Parse("+200 -1800")));
        // -100 +100 read cyclically: off 100, on 100.
        Assert.Equal(2, LedPatternMatcher.Runs(LedTrack.Parse("-100 +100")).Count);
    }
}
