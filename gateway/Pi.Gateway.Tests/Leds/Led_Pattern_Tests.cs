using Pi.Gateway.Leds;

namespace Pi.Gateway.Tests.Leds;

public sealed class Led_Pattern_Tests
{
    [Theory]
    [InlineData("+1000 -1000")]
    [InlineData("+150 -150 +150 -1550")]
    [InlineData("-2000")]
    [InlineData("+1")]
    public void The_notation_round_trips(string notation)
    {
        Assert.Equal(notation, LedTrack.Parse(notation).ToString());
    }

    [Fact]
    public void The_notation_reads_steps_in_order()
    {
        var track = LedTrack.Parse("  +150   -1550 ");

        Assert.Equal([new LedStep(true, TimeSpan.FromMilliseconds(150)), new LedStep(false, TimeSpan.FromMilliseconds(1550))], track.Steps);
        Assert.Equal(TimeSpan.FromMilliseconds(1700), track.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("100")]
    [InlineData("x100")]
    [InlineData("+0")]
    [InlineData("+-5")]
    [InlineData("+1.5")]
    [InlineData("+ 100")]
    [InlineData("+99999999999")]
    [InlineData("+60001")]
    public void Bad_notation_is_a_format_error(string notation)
    {
        Assert.Throws<FormatException>(() => LedTrack.Parse(notation));
    }

    [Fact]
    public void Steps_are_whole_positive_milliseconds()
    {
        Assert.Throws<ArgumentException>(() => new LedTrack([new LedStep(true, TimeSpan.FromTicks(1))]));
        Assert.Throws<ArgumentException>(() => new LedTrack([new LedStep(true, TimeSpan.FromMilliseconds(1.5))]));
        Assert.Throws<ArgumentException>(() => new LedTrack([new LedStep(true, TimeSpan.Zero)]));
        Assert.Throws<ArgumentException>(() => new LedTrack([]));
    }

    [Fact]
    public void A_repeating_pattern_has_one_period_for_all_its_leds()
    {
        Assert.Throws<ArgumentException>(() => new LedPattern("odd", [LedTrack.Parse("+100 -100"), LedTrack.Parse("-300")]));

        var once = new LedPattern("once", [LedTrack.Parse("+100 -100"), LedTrack.Parse("-300")], repeats: false);
        Assert.Equal(TimeSpan.FromMilliseconds(300), once.Length);
    }

    [Fact]
    public void A_pattern_drives_one_or_two_leds()
    {
        Assert.Throws<ArgumentException>(() => new LedPattern("none", []));
        Assert.Throws<ArgumentException>(() => new LedPattern("three", [LedTrack.Parse("+1"), LedTrack.Parse("+1"), LedTrack.Parse("+1")]));
    }
}
