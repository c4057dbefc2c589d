using Pi.Gateway.Gpio;

namespace Pi.Gateway.Tests.Gpio;

/// <summary>The reset button's logic with no pin and no clock: every edge carries its time.</summary>
public sealed class Reset_Press_Classifier_Tests
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Long = TimeSpan.FromMilliseconds(5000);
    private readonly ResetPressClassifier _classifier = new(Long, Debounce);
    private readonly List<ResetPressKind> _presses = [];

    [Fact]
    public void A_short_press_is_reported_once_the_release_has_settled()
    {
        Down(0);
        Up(300);
        Assert.Equal(Ms(350), _classifier.SettleDueAt);
        Settle(349);
        Assert.Empty(_presses);

        Settle(350);

        Assert.Equal([ResetPressKind.ShortPress], _presses);
        Assert.False(_classifier.IsPressed);
        Assert.Null(_classifier.SettleDueAt);
    }

    [Fact]
    public void A_long_press_is_reported_when_the_hold_timer_fires_and_not_again_at_release()
    {
        Down(0);
        Hold(5000);
        Assert.Equal([ResetPressKind.LongPress], _presses);

        Hold(5001);
        Up(7000);
        Settle(7050);

        Assert.Equal([ResetPressKind.LongPress], _presses);
    }

    [Fact]
    public void A_press_that_lasted_the_long_time_is_long_even_when_the_hold_timer_lost_the_race()
    {
        Down(0);
        Up(5000);
        Settle(5050);
        Hold(5051); // the timer fires late, after the release: not a second press

        Assert.Equal([ResetPressKind.LongPress], _presses);
    }

    [Fact]
    public void Bounce_on_the_way_down_is_one_press_from_its_first_edge()
    {
        Down(0);
        Up(1);
        Down(2);
        Up(4);
        Down(5);
        Settle(60); // no release has settled: the button is held
        Up(5000);
        Settle(5050);

        Assert.Equal([ResetPressKind.LongPress], _presses);
    }

    [Fact]
    public void Bounce_on_the_way_up_is_one_release()
    {
        Down(0);
        Up(400);
        Down(402);
        Up(410);
        Settle(450); // due at 460 now
        Assert.Empty(_presses);

        Settle(460);

        Assert.Equal([ResetPressKind.ShortPress], _presses);
    }

    [Fact]
    public void A_spike_shorter_than_the_debounce_is_not_a_press()
    {
        Down(0);
        Up(49);
        Settle(99);

        Assert.Empty(_presses);
        Assert.False(_classifier.IsPressed);
    }

    [Fact]
    public void A_press_of_exactly_the_debounce_time_counts()
    {
        Down(0);
        Up(50);
        Settle(100);

        Assert.Equal([ResetPressKind.ShortPress], _presses);
    }

    [Fact]
    public void Just_under_the_long_time_is_short_and_exactly_it_is_long()
    {
        Down(0);
        Up(4999);
        Settle(5049);
        Down(10_000);
        Up(15_000);
        Settle(15_050);

        Assert.Equal([ResetPressKind.ShortPress, ResetPressKind.LongPress], _presses);
    }

    [Fact]
    public void A_release_never_seen_pressed_is_ignored()
    {
        Up(10);
        Settle(100);
        Hold(200);

        Assert.Empty(_presses);
        Assert.Null(_classifier.SettleDueAt);
    }

    [Fact]
    public void A_missed_release_edge_keeps_it_one_press()
    {
        Down(0);
        Down(3000); // the release and the next press were one edge the kernel merged
        Up(3100);
        Settle(3150);

        Assert.Equal([ResetPressKind.ShortPress], _presses);
    }

    [Fact]
    public void A_hold_timer_firing_while_the_release_settles_is_ignored()
    {
        Down(0);
        Up(300);
        Hold(320);
        Settle(350);

        Assert.Equal([ResetPressKind.ShortPress], _presses);
    }

    [Fact]
    public void Presses_in_a_row_are_each_reported()
    {
        for (var i = 0; i < 5; i++)
        {
            var t = i * 1000;
            Down(t);
            Up(t + 200);
            Settle(t + 250);
        }

        Down(10_000);
        Hold(15_000);
        Up(16_000);
        Settle(16_050);

        Assert.Equal([.. Enumerable.Repeat(ResetPressKind.ShortPress, 5), ResetPressKind.LongPress], _presses);
    }

    [Fact]
    public void The_times_must_make_sense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResetPressClassifier(Long, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResetPressClassifier(Debounce, Debounce));
    }

    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    private void Down(int ms) => _classifier.Down(Ms(ms));

    private void Up(int ms) => _classifier.Up(Ms(ms));

    private void Hold(int ms) => Add(_classifier.HoldReached(Ms(ms)));

    private void Settle(int ms) => Add(_classifier.Settle(Ms(ms)));

    private void Add(ResetPressKind? press)
    {
        if (press is { } kind)
        {
            _presses.Add(kind);
        }
    }
}
