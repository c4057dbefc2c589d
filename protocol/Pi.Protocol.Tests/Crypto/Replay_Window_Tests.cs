using Pi.Protocol.Crypto;

namespace Pi.Protocol.Tests.Crypto;

public sealed class Sliding_Replay_Window_Tests
{
    private static SlidingReplayWindow After(params ulong[] accepted)
    {
        var window = new SlidingReplayWindow();
        foreach (var counter in accepted)
        {
            window.Accept(counter);
        }
        return window;
    }

    [Fact]
    public void Starts_empty()
    {
        var window = new SlidingReplayWindow();
        Assert.False(window.HasAccepted);
        Assert.Equal(0UL, window.Highest);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(1_000_000UL)]
    [InlineData(ulong.MaxValue - 1)]
    [InlineData(ulong.MaxValue)]
    public void Accepts_any_first_counter(ulong first)
    {
        var window = new SlidingReplayWindow();
        Assert.True(window.CanAccept(first));
        window.Accept(first);
        Assert.True(window.HasAccepted);
        Assert.Equal(first, window.Highest);
        Assert.False(window.CanAccept(first));
    }

    [Fact]
    public void Accepts_newer_counters_and_moves_the_highest()
    {
        var window = After(10);
        foreach (var counter in new ulong[] { 11, 12, 20, 1000 })
        {
            Assert.True(window.CanAccept(counter));
            window.Accept(counter);
            Assert.Equal(counter, window.Highest);
        }
    }

    [Fact]
    public void Accepts_each_of_the_63_counters_below_the_highest_exactly_once()
    {
        var window = After(100);
        for (var counter = 37UL; counter < 100; counter++)
        {
            Assert.True(window.CanAccept(counter), $"counter {counter}");
            window.Accept(counter);
            Assert.False(window.CanAccept(counter), $"counter {counter} twice");
            Assert.Equal(100UL, window.Highest);
        }
        for (var counter = 37UL; counter <= 100; counter++)
        {
            Assert.False(window.CanAccept(counter));
        }
    }

    [Fact]
    public void Rejects_a_counter_exactly_64_older_than_the_highest()
    {
        var window = After(100);
        Assert.True(window.CanAccept(37));
        Assert.False(window.CanAccept(36));
        Assert.False(window.CanAccept(0));
    }

    [Fact]
    public void Rejects_duplicates_of_the_highest_and_of_older_counters()
    {
        var window = After(5, 7, 6);
        Assert.False(window.CanAccept(5));
        Assert.False(window.CanAccept(6));
        Assert.False(window.CanAccept(7));
        Assert.True(window.CanAccept(4));
        Assert.True(window.CanAccept(8));
    }

    [Fact]
    public void Accepting_an_older_counter_does_not_lower_the_highest()
    {
        var window = After(50, 20);
        Assert.Equal(50UL, window.Highest);
    }

    [Fact]
    public void Counter_zero_is_in_the_window_of_63_but_not_of_64()
    {
        Assert.True(After(63).CanAccept(0));
        Assert.False(After(64).CanAccept(0));
    }

    [Fact]
    public void A_jump_of_63_keeps_the_oldest_seen_counter_in_the_window()
    {
        var window = After(10, 73);
        Assert.False(window.CanAccept(10));
        Assert.True(window.CanAccept(11));
        Assert.False(window.CanAccept(9));
    }

    [Fact]
    public void A_jump_of_64_pushes_the_old_highest_out_of_the_window()
    {
        var window = After(10, 74);
        Assert.False(window.CanAccept(10));
        Assert.True(window.CanAccept(11));
        Assert.False(window.CanAccept(74));
    }

    [Fact]
    public void A_big_jump_forgets_every_earlier_counter()
    {
        var window = After(1, 2, 3, 1_000_000);
        Assert.Equal(1_000_000UL, window.Highest);
        Assert.False(window.CanAccept(3));
        Assert.True(window.CanAccept(1_000_000 - 63));
        Assert.False(window.CanAccept(1_000_000 - 64));
        for (var counter = 1_000_000UL - 63; counter < 1_000_000; counter++)
        {
            window.Accept(counter);
        }
    }

    [Fact]
    public void A_jump_from_zero_to_the_last_counter_works()
    {
        var window = After(0, ulong.MaxValue);
        Assert.Equal(ulong.MaxValue, window.Highest);
        Assert.False(window.CanAccept(0));
        Assert.True(window.CanAccept(ulong.MaxValue - 63));
        Assert.False(window.CanAccept(ulong.MaxValue - 64));
    }

    [Fact]
    public void Works_near_the_end_of_the_counter_space()
    {
        var window = After(ulong.MaxValue - 1, ulong.MaxValue);
        Assert.False(window.CanAccept(ulong.MaxValue));
        Assert.False(window.CanAccept(ulong.MaxValue - 1));
        Assert.True(window.CanAccept(ulong.MaxValue - 2));
        Assert.True(window.CanAccept(ulong.MaxValue - 63));
        Assert.False(window.CanAccept(ulong.MaxValue - 64));
        window.Accept(ulong.MaxValue - 63);
        Assert.False(window.CanAccept(ulong.MaxValue - 63));
    }

    [Fact]
    public void CanAccept_changes_nothing()
    {
        var window = After(10);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(window.CanAccept(9));
            Assert.True(window.CanAccept(500));
        }
        Assert.Equal(10UL, window.Highest);
        window.Accept(9);
        Assert.False(window.CanAccept(9));
        Assert.Equal(10UL, window.Highest);
    }

    [Theory]
    [InlineData(9UL)]
    [InlineData(10UL)]
    public void Accept_of_a_duplicate_throws_and_changes_nothing(ulong counter)
    {
        var window = After(9, 10);
        Assert.Throws<InvalidOperationException>(() => window.Accept(counter));
        Assert.Equal(10UL, window.Highest);
        Assert.True(window.CanAccept(8));
        Assert.True(window.CanAccept(11));
    }

    [Fact]
    public void Accept_of_a_too_old_counter_throws()
    {
        var window = After(100);
        Assert.Throws<InvalidOperationException>(() => window.Accept(36));
        Assert.True(window.CanAccept(37));
    }

    [Fact]
    public void Create_makes_a_sliding_window_for_datagrams()
    {
        Assert.IsType<SlidingReplayWindow>(ReplayWindow.Create(ReplayMode.Datagram));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReplayWindow.Create((ReplayMode)42));
    }
}

public sealed class Strict_Replay_Window_Tests
{
    [Theory]
    [InlineData(0UL)]
    [InlineData(7UL)]
    [InlineData(ulong.MaxValue)]
    public void Accepts_any_first_counter(ulong first)
    {
        var window = new StrictReplayWindow();
        Assert.False(window.HasAccepted);
        Assert.True(window.CanAccept(first));
        window.Accept(first);
        Assert.True(window.HasAccepted);
        Assert.Equal(first, window.Highest);
    }

    [Fact]
    public void Accepts_only_increasing_counters_with_gaps_allowed()
    {
        var window = new StrictReplayWindow();
        window.Accept(1);
        window.Accept(2);
        window.Accept(10);
        Assert.False(window.CanAccept(10));
        Assert.False(window.CanAccept(9));
        Assert.False(window.CanAccept(0));
        Assert.True(window.CanAccept(11));
        Assert.Equal(10UL, window.Highest);
    }

    [Fact]
    public void Rejects_reordered_counters_that_a_sliding_window_would_take()
    {
        var window = new StrictReplayWindow();
        window.Accept(5);
        Assert.False(window.CanAccept(4));
        Assert.Throws<InvalidOperationException>(() => window.Accept(4));
        Assert.Throws<InvalidOperationException>(() => window.Accept(5));
        Assert.Equal(5UL, window.Highest);
    }

    [Fact]
    public void Accepts_nothing_after_the_last_counter()
    {
        var window = new StrictReplayWindow();
        window.Accept(ulong.MaxValue);
        Assert.False(window.CanAccept(ulong.MaxValue));
        Assert.False(window.CanAccept(0));
    }

    [Fact]
    public void Create_makes_a_strict_window_for_streams() =>
        Assert.IsType<StrictReplayWindow>(ReplayWindow.Create(ReplayMode.Stream));
}
