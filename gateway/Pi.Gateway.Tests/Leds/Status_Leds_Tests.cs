using System.Device.Gpio;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Gpio;
using Pi.Gateway.Leds;

namespace Pi.Gateway.Tests.Leds;

/// <summary>StatusLeds on a virtual chip and a fake clock: the pins' timeline, to the millisecond.</summary>
public sealed class Status_Leds_Tests : IDisposable
{
    private const int Green = 27;
    private const int Red = 22;
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly VirtualGpioDriver _driver;
    private readonly GpioController _controller;
    private readonly List<VirtualPinChange> _changes = [];
    private readonly IDisposable _watch;

    public Status_Leds_Tests()
    {
        _driver = new VirtualGpioDriver(new VirtualGpioDriverOptions(), _time, NullLoggerFactory.Instance);
        _controller = new GpioController(_driver);
        _watch = _driver.Watch(c => _changes.Add(c), (_, _) => { });
    }

    public void Dispose()
    {
        _watch.Dispose();
        _controller.Dispose();
    }

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
    public async Task The_pins_follow_the_pattern_to_the_millisecond(LedState state, int leds)
    {
        using var statusLeds = Create(leds == 1 ? [Green] : [Green, Red]);
        await statusLeds.StartAsync(CancellationToken.None);
        _changes.Clear();

        statusLeds.Show(state);
        var player = new LedPatternPlayer(LedPatterns.For(state, leds));
        var period = (int)player.Pattern.Length.TotalMilliseconds;
        for (var ms = 1; ms <= 3 * period; ms++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(ExpectedChanges(player, statusLeds.Pins, 3 * period), _changes.Select(c => (c.Pin, c.Level == PinValue.High, Ms(c.At))));
    }

    [Fact]
    public async Task The_leds_are_off_until_a_state_is_shown()
    {
        using var statusLeds = Create([Green, Red]);

        await statusLeds.StartAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(new VirtualPinState(Green, VirtualPinMode.Output, PinValue.Low), _driver.GetPin(Green));
        Assert.Equal(new VirtualPinState(Red, VirtualPinMode.Output, PinValue.Low), _driver.GetPin(Red));
        Assert.Null(statusLeds.State);
    }

    [Fact]
    public async Task A_state_shown_before_start_plays_from_the_start()
    {
        using var statusLeds = Create([Green]);
        statusLeds.Show(LedState.Connecting);
        _time.Advance(TimeSpan.FromMilliseconds(300));

        await statusLeds.StartAsync(CancellationToken.None);
        Assert.Equal(PinValue.High, _driver.GetPin(Green).Level);
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(PinValue.High, _driver.GetPin(Green).Level);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(PinValue.Low, _driver.GetPin(Green).Level);
    }

    [Fact]
    public async Task Active_low_leds_get_inverted_levels_and_never_flash_at_start()
    {
        using var statusLeds = Create([Green, Red], activeHigh: false);

        await statusLeds.StartAsync(CancellationToken.None);
        Assert.Equal([(Green, PinValue.High), (Red, PinValue.High)], _changes.Select(c => (c.Pin, c.Level)));

        statusLeds.Show(LedState.Error);
        Assert.Equal(PinValue.High, _driver.GetPin(Green).Level); // off
        Assert.Equal(PinValue.Low, _driver.GetPin(Red).Level); // on
    }

    [Fact]
    public async Task Switching_states_starts_the_new_pattern_from_its_beginning()
    {
        using var statusLeds = Create([Green]);
        await statusLeds.StartAsync(CancellationToken.None);
        statusLeds.Show(LedState.Online);
        _time.Advance(TimeSpan.FromMilliseconds(1234));
        _changes.Clear();

        statusLeds.Show(LedState.KeyExpiring); // +1800 -200
        _time.Advance(TimeSpan.FromMilliseconds(1799));
        Assert.Empty(_changes);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([(Green, PinValue.Low, Ms(Start) + 1234 + 1800)], _changes.Select(c => (c.Pin, c.Level, Ms(c.At))));
        Assert.Equal(LedState.KeyExpiring, statusLeds.State);
    }

    [Fact]
    public async Task Showing_the_state_already_shown_keeps_its_rhythm()
    {
        using var statusLeds = Create([Green]);
        await statusLeds.StartAsync(CancellationToken.None);
        statusLeds.Show(LedState.SoftApWaiting); // +1000 -1000
        _time.Advance(TimeSpan.FromMilliseconds(900));

        statusLeds.Show(LedState.SoftApWaiting);
        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(PinValue.Low, _driver.GetPin(Green).Level);
    }

    [Fact]
    public async Task A_late_timer_does_not_make_the_pattern_drift()
    {
        using var statusLeds = Create([Green]);
        await statusLeds.StartAsync(CancellationToken.None);
        statusLeds.Show(LedState.Resetting); // +100 -100

        _time.Advance(TimeSpan.FromMilliseconds(1050)); // one tick, ten changes late
        Assert.Equal(PinValue.High, _driver.GetPin(Green).Level);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(PinValue.Low, _driver.GetPin(Green).Level);
    }

    [Fact]
    public async Task Stopping_turns_the_leds_off_and_closes_their_pins()
    {
        using var statusLeds = Create([Green, Red]);
        await statusLeds.StartAsync(CancellationToken.None);
        statusLeds.Show(LedState.Resetting);

        await statusLeds.StopAsync(CancellationToken.None);
        _changes.Clear();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(new VirtualPinState(Green, VirtualPinMode.Closed, PinValue.Low), _driver.GetPin(Green));
        Assert.Equal(new VirtualPinState(Red, VirtualPinMode.Closed, PinValue.Low), _driver.GetPin(Red));
        Assert.Empty(_changes);
    }

    [Fact]
    public async Task A_controller_gone_first_stops_the_pattern_without_throwing()
    {
        using var statusLeds = Create([Green]);
        await statusLeds.StartAsync(CancellationToken.None);
        statusLeds.Show(LedState.Resetting);

        _controller.Dispose();
        _time.Advance(TimeSpan.FromSeconds(1));
        await statusLeds.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_pin_already_in_use_fails_the_start()
    {
        _controller.OpenPin(Red, PinMode.InputPullUp);
        using var statusLeds = Create([Green, Red]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => statusLeds.StartAsync(CancellationToken.None));
        Assert.Equal(VirtualPinMode.InputPullUp, _driver.GetPin(Red).Mode);
    }

    private StatusLeds Create(int[] pins, bool activeHigh = true) =>
        new(_controller, Options.Create(new GpioOptions { LedPins = pins, LedActiveHigh = activeHigh }), _time, NullLogger<StatusLeds>.Instance);

    private static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    /// <summary>Each level change the player implies over <paramref name="span"/> ms, as (pin, on, unix ms).</summary>
    private static List<(int Pin, bool On, long Ms)> ExpectedChanges(LedPatternPlayer player, IReadOnlyList<int> pins, int span)
    {
        var expected = new List<(int, bool, long)>();
        var previous = new bool[player.LedCount];
        for (var ms = 0; ms <= span; ms++)
        {
            for (var led = 0; led < player.LedCount; led++)
            {
                var on = player.IsOn(led, TimeSpan.FromMilliseconds(ms));
                if (on != previous[led])
                {
                    expected.Add((pins[led], on, Ms(Start) + ms));
                    previous[led] = on;
                }
            }
        }

        return expected;
    }
}
