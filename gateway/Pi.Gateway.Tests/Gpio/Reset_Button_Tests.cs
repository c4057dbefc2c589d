using System.Collections.Concurrent;
using System.Device.Gpio;
using Iot.Device.Button;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Gpio;

namespace Pi.Gateway.Tests.Gpio;

/// <summary>
/// ResetButton on GpioButton on a virtual chip. Edges are driven in-process (a drive completes after
/// the button saw it); the debounce runs on a fake clock, so these are exact. Only GpioButton's hold
/// timer needs real time, and its tests await the event.
/// </summary>
public sealed class Reset_Button_Tests : IDisposable
{
    private const int Pin = 17;
    private readonly FakeTimeProvider _time = new();
    private readonly VirtualGpioDriver _driver = new();
    private readonly GpioController _controller;
    private readonly ConcurrentQueue<string> _presses = new();
    private readonly CancellationTokenSource _deadline = GpioTestSupport.Deadline();

    public Reset_Button_Tests() => _controller = new GpioController(_driver);

    public void Dispose()
    {
        _controller.Dispose();
        _deadline.Dispose();
    }

    [Fact]
    public async Task A_short_press_raises_ShortPress_once_the_release_settles()
    {
        using var button = await StartAsync();

        await PressAsync();
        Assert.True(button.IsPressed);
        Assert.Equal(VirtualPinMode.InputPullUp, _driver.GetPin(Pin).Mode);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        await ReleaseAsync();
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Empty(_presses);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(["short"], _presses);
        Assert.False(button.IsPressed);
    }

    [Fact]
    public async Task Bounce_on_both_edges_is_still_one_short_press()
    {
        using var button = await StartAsync();

        foreach (var level in new PinValue?[] { PinValue.Low, PinValue.High, PinValue.Low, PinValue.High, PinValue.Low })
        {
            await _driver.DriveAsync(Pin, level, _deadline.Token);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        _time.Advance(TimeSpan.FromMilliseconds(300));
        foreach (var level in new PinValue?[] { null, PinValue.Low, null, PinValue.Low, null })
        {
            await _driver.DriveAsync(Pin, level, _deadline.Token);
            _time.Advance(TimeSpan.FromMilliseconds(2));
        }

        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(["short"], _presses);
    }

    [Fact]
    public async Task A_spike_is_not_a_press()
    {
        using var button = await StartAsync();

        await PressAsync();
        _time.Advance(TimeSpan.FromMilliseconds(3));
        await ReleaseAsync();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(_presses);
    }

    [Fact]
    public async Task A_long_press_is_raised_while_the_button_is_held_and_never_as_a_short_press_too()
    {
        var longPress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var button = await StartAsync(longPressMs: 200, onLong: () => longPress.TrySetResult());

        await PressAsync();
        await longPress.Task.WaitAsync(_deadline.Token); // GpioButton's hold timer, on the real clock
        Assert.Equal(PinValue.Low, _driver.GetPin(Pin).Level);
        Assert.Equal(["long"], _presses);

        _time.Advance(TimeSpan.FromMilliseconds(300));
        await ReleaseAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(["long"], _presses);
    }

    [Fact]
    public async Task A_press_held_the_long_time_is_long_even_if_the_hold_timer_has_not_fired()
    {
        // The hold timer (real clock) is far off; the fake clock says 5 s passed.
        using var button = await StartAsync(longPressMs: 5000);

        await PressAsync();
        _time.Advance(TimeSpan.FromMilliseconds(5000));
        await ReleaseAsync();
        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal(["long"], _presses);
    }

    [Fact]
    public async Task A_pull_down_button_is_pressed_high()
    {
        using var button = await StartAsync(pullUp: false);
        Assert.Equal(new VirtualPinState(Pin, VirtualPinMode.InputPullDown, PinValue.Low), _driver.GetPin(Pin));

        await _driver.DriveAsync(Pin, PinValue.High, _deadline.Token);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        await _driver.DriveAsync(Pin, null, _deadline.Token);
        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal(["short"], _presses);
    }

    [Fact]
    public async Task A_button_held_when_the_gateway_starts_counts_only_from_its_next_press()
    {
        await PressAsync();
        using var button = await StartAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await ReleaseAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Empty(_presses);

        await PressAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await ReleaseAsync();
        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal(["short"], _presses);
    }

    [Fact]
    public async Task A_throwing_subscriber_does_not_break_the_button()
    {
        using var button = await StartAsync();
        button.ShortPress += (_, _) => throw new InvalidOperationException("subscriber bug");

        for (var i = 0; i < 2; i++)
        {
            await PressAsync();
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await ReleaseAsync();
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(["short", "short"], _presses);
    }

    [Fact]
    public async Task Stopping_closes_the_pin_and_ends_the_events()
    {
        var button = await StartAsync();

        await button.StopAsync(CancellationToken.None);
        button.Dispose();

        Assert.Equal(VirtualPinMode.Closed, _driver.GetPin(Pin).Mode);
        await PressAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await ReleaseAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Empty(_presses);
    }

    [Fact]
    public async Task A_pin_already_in_use_fails_the_start()
    {
        _controller.OpenPin(Pin, PinMode.Output);
        using var button = Create(longPressMs: 5000, pullUp: true);

        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => button.StartAsync(CancellationToken.None));
    }

    private async Task<ResetButton> StartAsync(int longPressMs = 5000, bool pullUp = true, Action? onLong = null)
    {
        var button = Create(longPressMs, pullUp);
        button.ShortPress += (_, _) => _presses.Enqueue("short");
        button.LongPress += (_, _) =>
        {
            _presses.Enqueue("long");
            onLong?.Invoke();
        };
        await button.StartAsync(CancellationToken.None);
        return button;
    }

    private ResetButton Create(int longPressMs, bool pullUp) =>
        new(_controller, Options.Create(new GpioOptions { ResetPin = Pin, ResetPullUp = pullUp, DebounceMs = 50, LongPressMs = longPressMs }), _time, NullLogger<ResetButton>.Instance);

    private Task<DateTimeOffset> PressAsync() => _driver.DriveAsync(Pin, PinValue.Low, _deadline.Token);

    private Task<DateTimeOffset> ReleaseAsync() => _driver.DriveAsync(Pin, null, _deadline.Token);
}

/// <summary>
/// What GpioButton 4.2.0 itself does on these edges: the evidence for wrapping it (Gpio/README.md).
/// If an update changes these, revisit ResetButton.
/// </summary>
public sealed class Gpio_Button_Semantics_Tests : IDisposable
{
    private readonly VirtualGpioDriver _driver = new();
    private readonly GpioController _controller;
    private readonly CancellationTokenSource _deadline = GpioTestSupport.Deadline();

    public Gpio_Button_Semantics_Tests() => _controller = new GpioController(_driver);

    public void Dispose()
    {
        _controller.Dispose();
        _deadline.Dispose();
    }

    [Fact]
    public async Task With_its_debounce_a_bounce_on_the_way_down_loses_the_rest_of_the_press()
    {
        using var button = new GpioButton(17, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(5), true, false, _controller, false, TimeSpan.FromMilliseconds(50));
        var presses = 0;
        button.Press += (_, _) => Interlocked.Increment(ref presses);

        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);
        await _driver.DriveAsync(17, PinValue.High, _deadline.Token);
        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);

        // The contact is closed, yet GpioButton saw a zero-length press and now thinks it is released.
        Assert.Equal(PinValue.Low, _controller.Read(17));
        Assert.False(button.IsPressed);
        Assert.Equal(1, presses);
    }

    [Fact]
    public async Task Its_Press_follows_every_release_even_after_a_hold()
    {
        using var button = new GpioButton(17, TimeSpan.FromSeconds(1.5), TimeSpan.FromMilliseconds(100), true, false, _controller, false, TimeSpan.Zero)
        {
            IsHoldingEnabled = true,
        };
        var events = new ConcurrentQueue<string>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        button.Press += (_, _) => events.Enqueue("press");
        button.Holding += (_, e) =>
        {
            events.Enqueue($"holding {e.HoldingState}");
            if (e.HoldingState == ButtonHoldingState.Started)
            {
                started.TrySetResult();
            }
        };

        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);
        await started.Task.WaitAsync(_deadline.Token);
        await _driver.DriveAsync(17, null, _deadline.Token);

        Assert.Equal(["holding Started", "press", "holding Completed"], events);
    }
}
