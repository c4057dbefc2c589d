using System.Collections.Concurrent;
using System.Device.Gpio;
using Pi.Gateway.Gpio;

namespace Pi.Gateway.Tests.Gpio;

public sealed class Virtual_Gpio_Driver_Event_Tests : IDisposable
{
    private readonly VirtualGpioDriver _driver = new();
    private readonly GpioController _controller;
    private readonly CancellationTokenSource _deadline = GpioTestSupport.Deadline();

    public Virtual_Gpio_Driver_Event_Tests()
    {
        _controller = new GpioController(_driver);
        _controller.OpenPin(17, PinMode.InputPullUp);
    }

    public void Dispose()
    {
        _controller.Dispose();
        _deadline.Dispose();
    }

    [Fact]
    public async Task Callbacks_see_falling_then_rising_edges_in_order_before_the_drive_completes()
    {
        var edges = new ConcurrentQueue<(int Pin, PinEventTypes Edge)>();
        _controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Falling | PinEventTypes.Rising,
            (_, e) => edges.Enqueue((e.PinNumber, e.ChangeType)));

        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);
        Assert.Equal([(17, PinEventTypes.Falling)], edges);

        await _driver.DriveAsync(17, null, _deadline.Token);
        Assert.Equal([(17, PinEventTypes.Falling), (17, PinEventTypes.Rising)], edges);
    }

    [Fact]
    public async Task A_callback_gets_only_the_edges_it_asked_for()
    {
        var falling = 0;
        _controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Falling, (_, _) => Interlocked.Increment(ref falling));

        for (var i = 0; i < 3; i++)
        {
            await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);
            await _driver.DriveAsync(17, PinValue.High, _deadline.Token);
        }

        Assert.Equal(3, falling);
    }

    [Fact]
    public async Task Driving_the_level_a_pin_already_has_is_not_an_edge()
    {
        var edges = 0;
        _controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Falling | PinEventTypes.Rising, (_, _) => Interlocked.Increment(ref edges));

        await _driver.DriveAsync(17, PinValue.High, _deadline.Token);
        await _driver.DriveAsync(17, null, _deadline.Token);

        Assert.Equal(0, edges);
    }

    [Fact]
    public async Task A_removed_callback_is_not_called()
    {
        var calls = 0;
        PinChangeEventHandler handler = (_, _) => Interlocked.Increment(ref calls);
        _controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Falling, handler);
        _controller.UnregisterCallbackForPinValueChangedEvent(17, handler);

        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);

        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task A_throwing_callback_does_not_stop_the_others_or_later_edges()
    {
        var seen = new ConcurrentQueue<PinEventTypes>();
        _controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Falling | PinEventTypes.Rising, (_, _) => throw new InvalidOperationException("subscriber bug"));
        _controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Falling | PinEventTypes.Rising, (_, e) => seen.Enqueue(e.ChangeType));

        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);
        await _driver.DriveAsync(17, null, _deadline.Token);

        Assert.Equal([PinEventTypes.Falling, PinEventTypes.Rising], seen);
    }

    [Fact]
    public async Task Callbacks_run_on_the_dispatcher_not_on_the_rigs_thread()
    {
        var callbackThread = -1;
        _controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Falling, (_, _) => callbackThread = Environment.CurrentManagedThreadId);

        var drive = _driver.TryDrive(17, PinValue.Low, out _, out var delivered);
        var rigThread = Environment.CurrentManagedThreadId;
        await delivered.WaitAsync(_deadline.Token);

        Assert.Equal(VirtualWireError.None, drive);
        Assert.NotEqual(rigThread, callbackThread);
    }

    [Fact]
    public async Task WaitForEvent_returns_the_edge_it_waited_for()
    {
        var wait = _controller.WaitForEventAsync(17, PinEventTypes.Falling, _deadline.Token).AsTask();
        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);

        var result = await wait;

        Assert.False(result.TimedOut);
        Assert.Equal(PinEventTypes.Falling, result.EventTypes);
    }

    [Fact]
    public async Task WaitForEvent_ignores_other_edges()
    {
        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);
        var wait = _controller.WaitForEventAsync(17, PinEventTypes.Falling, _deadline.Token).AsTask();

        await _driver.DriveAsync(17, PinValue.High, _deadline.Token);
        Assert.False(wait.IsCompleted); // a matching edge completes the wait synchronously
        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);

        Assert.Equal(PinEventTypes.Falling, (await wait).EventTypes);
    }

    [Fact]
    public async Task The_blocking_WaitForEvent_returns_on_an_edge()
    {
        var wait = Task.Run(() => _controller.WaitForEvent(17, PinEventTypes.Falling | PinEventTypes.Rising, _deadline.Token));

        // The blocking call registers on another thread at a time this test cannot see: toggle until it has.
        var level = PinValue.Low;
        while (!wait.IsCompleted)
        {
            await _driver.DriveAsync(17, level, _deadline.Token);
            level = !level;
            await Task.WhenAny(wait, Task.Delay(10, _deadline.Token));
        }

        var result = await wait;
        Assert.False(result.TimedOut);
        Assert.NotEqual(PinEventTypes.None, result.EventTypes);
    }

    [Fact]
    public void WaitForEvent_times_out_without_an_edge()
    {
        var result = _controller.WaitForEvent(17, PinEventTypes.Rising, TimeSpan.FromMilliseconds(20));

        Assert.True(result.TimedOut);
        Assert.Equal(PinEventTypes.None, result.EventTypes);
    }

    [Fact]
    public async Task Changing_the_pull_is_an_edge_too()
    {
        var edges = new ConcurrentQueue<PinEventTypes>();
        _controller.RegisterCallbackForPinValueChangedEvent(17, PinEventTypes.Falling | PinEventTypes.Rising, (_, e) => edges.Enqueue(e.ChangeType));

        _controller.SetPinMode(17, PinMode.InputPullDown);
        await _driver.DriveAsync(17, null, _deadline.Token); // a no-op drive: completes after earlier callbacks ran

        Assert.Equal([PinEventTypes.Falling], edges);
    }
}
