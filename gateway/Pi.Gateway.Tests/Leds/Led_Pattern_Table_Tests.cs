using System.Text.RegularExpressions;
using Pi.Gateway.Leds;

namespace Pi.Gateway.Tests.Leds;

public sealed partial class Led_Pattern_Table_Tests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_state_has_a_repeating_pattern_named_after_it(int leds)
    {
        foreach (var state in Enum.GetValues<LedState>())
        {
            var pattern = LedPatterns.For(state, leds);
            Assert.Equal(state.ToString(), pattern.Name);
            Assert.Equal(leds, pattern.Leds.Count);
            Assert.True(pattern.Repeats);
            // Two seconds of looking always shows a whole number of periods.
            Assert.Equal(0, 2000 % (int)pattern.Length.TotalMilliseconds);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void No_two_patterns_look_alike_whatever_the_phase(int leds)
    {
        var patterns = Enum.GetValues<LedState>().Select(s => LedPatterns.For(s, leds)).ToList();
        var resolution = patterns.SelectMany(p => p.Leds).SelectMany(t => t.Steps).Select(s => (long)s.Duration.TotalMilliseconds).Aggregate(Gcd);
        var span = patterns.Select(p => (long)p.Length.TotalMilliseconds).Aggregate(Lcm);
        var timelines = patterns.ToDictionary(p => p.Name, p => Timeline(p, resolution, span));

        foreach (var a in patterns)
        {
            foreach (var b in patterns.Where(b => string.CompareOrdinal(a.Name, b.Name) < 0))
            {
                var ta = timelines[a.Name];
                var tb = timelines[b.Name];
                for (var shift = 0; shift < tb.Length; shift++)
                {
                    Assert.False(ta.SequenceEqual(tb.Skip(shift).Concat(tb.Take(shift))), $"{a.Name} looks like {b.Name} shifted by {shift * resolution} ms");
                }
            }
        }
    }

    [Fact]
    public void The_unknown_cases_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LedPatterns.For(LedState.Online, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LedPatterns.For(LedState.Online, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => LedPatterns.For((LedState)99, 1));
    }

    [Fact]
    public void The_readme_shows_the_tables_the_code_plays()
    {
        var readme = File.ReadAllLines(Path.Combine(RepoRoot(), "gateway", "Pi.Gateway", "Leds", "README.md"));
        var section = 0;
        var seen = new Dictionary<(int Leds, LedState State), string[]>();
        foreach (var line in readme)
        {
            if (line.StartsWith("## One LED", StringComparison.Ordinal))
            {
                section = 1;
            }
            else if (line.StartsWith("## Two LEDs", StringComparison.Ordinal))
            {
                section = 2;
            }
            else if (section > 0 && line.Split('|', StringSplitOptions.TrimEntries) is [_, var name, ..] && Enum.TryParse<LedState>(name, out var state))
            {
                seen[(section, state)] = [.. Notation().Matches(line).Select(m => m.Groups[1].Value)];
            }
        }

        foreach (var leds in new[] { 1, 2 })
        {
            foreach (var state in Enum.GetValues<LedState>())
            {
                Assert.True(seen.TryGetValue((leds, state), out var documented), $"README lacks {state} for {leds} LED(s)");
                Assert.Equal(LedPatterns.For(state, leds).Leds.Select(t => t.ToString()), documented);
            }
        }
    }

    /// <summary>The pattern's levels (one bitmask per sample) every <paramref name="resolution"/> ms over <paramref name="span"/> ms.</summary>
    private static int[] Timeline(LedPattern pattern, long resolution, long span)
    {
        var player = new LedPatternPlayer(pattern);
        var samples = new int[span / resolution];
        for (var i = 0; i < samples.Length; i++)
        {
            for (var led = 0; led < pattern.Leds.Count; led++)
            {
                samples[i] |= player.IsOn(led, TimeSpan.FromMilliseconds(i * resolution)) ? 1 << led : 0;
            }
        }

        return samples;
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    private static long Lcm(long a, long b) => a / Gcd(a, b) * b;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pi.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Pi.sln not found above the test assembly.");
    }

    [GeneratedRegex("`([+-][0-9 +-]+)`")]
    private static partial Regex Notation();
}
