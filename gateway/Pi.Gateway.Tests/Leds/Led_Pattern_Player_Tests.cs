using Pi.Gateway.Leds;

namespace Pi.Gateway.Tests.Leds;

public sealed class Led_Pattern_Player_Tests
{
    public static TheoryData<LedState, int> EveryPattern()
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
    [MemberData(nameof(EveryPattern))]
    public void Every_millisecond_of_two_periods_matches_a_plain_walk_of_the_steps(LedState state, int leds)
    {
        var pattern = LedPatterns.For(state, leds);
        var player = new LedPatternPlayer(pattern);
        var period = (int)pattern.Length.TotalMilliseconds;

        for (var ms = 0; ms < 2 * period; ms++)
        {
            for (var led = 0; led < leds; led++)
            {
                Assert.Equal(ReferenceLevel(pattern.Leds[led], ms % period), player.IsOn(led, TimeSpan.FromMilliseconds(ms)));
            }
        }
    }

    [Theory]
    [MemberData(nameof(EveryPattern))]
    public void NextChangeAfter_names_exactly_the_instants_where_a_level_changes(LedState state, int leds)
    {
        var pattern = LedPatterns.For(state, leds);
        var player = new LedPatternPlayer(pattern);
        var period = (int)pattern.Length.TotalMilliseconds;
        var levels = new bool[leds];
        var previous = new bool[leds];

        // Where the levels really change, millisecond by millisecond...
        var expected = new List<int>();
        player.LevelsAt(TimeSpan.Zero, previous);
        for (var ms = 1; ms <= 3 * period; ms++)
        {
            player.LevelsAt(TimeSpan.FromMilliseconds(ms), levels);
            if (!levels.SequenceEqual(previous))
            {
                expected.Add(ms);
            }

            levels.CopyTo(previous, 0);
        }

        // ...is where hopping from change to change lands, from any starting point.
        var hops = new List<int>();
        for (var at = player.NextChangeAfter(TimeSpan.Zero); at is { } t && t.TotalMilliseconds <= 3 * period; at = player.NextChangeAfter(t))
        {
            hops.Add((int)t.TotalMilliseconds);
        }

        Assert.Equal(expected, hops);
        for (var ms = 0; ms < period; ms += 7)
        {
            var next = player.NextChangeAfter(TimeSpan.FromMilliseconds(ms));
            Assert.Equal(expected.Cast<int?>().FirstOrDefault(e => e > ms), next is { } n ? (int)n.TotalMilliseconds : null);
        }
    }

    [Fact]
    public void At_a_step_boundary_the_next_step_has_begun()
    {
        var player = new LedPatternPlayer(new LedPattern("p", [LedTrack.Parse("+150 -150 +150 -1550")]));

        Assert.True(player.IsOn(0, TimeSpan.FromMilliseconds(149.9)));
        Assert.False(player.IsOn(0, TimeSpan.FromMilliseconds(150)));
        Assert.True(player.IsOn(0, TimeSpan.FromMilliseconds(300)));
        Assert.True(player.IsOn(0, TimeSpan.FromMilliseconds(2000)));
        Assert.Equal(TimeSpan.FromMilliseconds(300), player.NextChangeAfter(TimeSpan.FromMilliseconds(150)));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), player.NextChangeAfter(TimeSpan.FromMilliseconds(450)));
    }

    [Fact]
    public void A_solid_pattern_never_changes()
    {
        var player = new LedPatternPlayer(LedPatterns.For(LedState.Online, 2));

        Assert.Null(player.NextChangeAfter(TimeSpan.Zero));
        Assert.True(player.IsOn(0, TimeSpan.FromDays(3)));
        Assert.False(player.IsOn(1, TimeSpan.FromDays(3)));
    }

    [Fact]
    public void Steps_of_the_same_level_in_a_row_are_one_change()
    {
        var player = new LedPatternPlayer(new LedPattern("p", [LedTrack.Parse("+100 +100 -100 -100")]));

        Assert.Equal(TimeSpan.FromMilliseconds(200), player.NextChangeAfter(TimeSpan.Zero));
        Assert.Equal(TimeSpan.FromMilliseconds(400), player.NextChangeAfter(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void A_one_shot_plays_once_then_each_led_holds_its_last_step()
    {
        var player = new LedPatternPlayer(new LedPattern("ack", [LedTrack.Parse("+100 -100 +100"), LedTrack.Parse("-50 +50")], repeats: false));

        Assert.Equal([true, false], Levels(player, 0));
        Assert.Equal([true, true], Levels(player, 60));
        Assert.Equal([false, true], Levels(player, 150));
        Assert.Equal([true, true], Levels(player, 250));
        Assert.Equal([true, true], Levels(player, 10_000));
        Assert.Equal(TimeSpan.FromMilliseconds(200), player.NextChangeAfter(TimeSpan.FromMilliseconds(100)));
        Assert.Null(player.NextChangeAfter(TimeSpan.FromMilliseconds(200)));
        Assert.Null(player.NextChangeAfter(TimeSpan.FromMilliseconds(10_000)));
    }

    [Fact]
    public void Days_into_a_pattern_it_is_still_in_phase()
    {
        var player = new LedPatternPlayer(LedPatterns.For(LedState.SoftApWaiting, 1));
        var days = TimeSpan.FromDays(40);

        Assert.True(player.IsOn(0, days));
        Assert.False(player.IsOn(0, days + TimeSpan.FromMilliseconds(1000)));
        Assert.Equal(days + TimeSpan.FromMilliseconds(1000), player.NextChangeAfter(days));
    }

    [Fact]
    public void Time_before_the_start_is_refused()
    {
        var player = new LedPatternPlayer(LedPatterns.For(LedState.Error, 1));

        Assert.Throws<ArgumentOutOfRangeException>(() => player.IsOn(0, TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => player.NextChangeAfter(TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentException>(() => player.LevelsAt(TimeSpan.Zero, new bool[2]));
    }

    private static bool[] Levels(LedPatternPlayer player, int ms)
    {
        var levels = new bool[player.LedCount];
        player.LevelsAt(TimeSpan.FromMilliseconds(ms), levels);
        return levels;
    }

    /// <summary>The level at <paramref name="ms"/> into a track, by walking its steps.</summary>
    private static bool ReferenceLevel(LedTrack track, int ms)
    {
        var end = 0;
        foreach (var step in track.Steps)
        {
            end += (int)step.Duration.TotalMilliseconds;
            if (ms < end)
            {
                return step.On;
            }
        }

        throw new InvalidOperationException("past the track");
    }
}
