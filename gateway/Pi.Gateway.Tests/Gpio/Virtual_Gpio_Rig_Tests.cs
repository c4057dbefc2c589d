using System.Device.Gpio;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Gateway.Gpio;

namespace Pi.Gateway.Tests.Gpio;

/// <summary>The rig client against a real socket, in-process.</summary>
public sealed class Virtual_Gpio_Rig_Tests : IAsyncLifetime, IDisposable
{
    private readonly string _path = GpioTestSupport.NewSocketPath();
    private readonly CancellationTokenSource _deadline = GpioTestSupport.Deadline();
    private readonly VirtualGpioDriver _driver;
    private readonly GpioController _controller;
    private VirtualGpioRig _rig = null!;

    public Virtual_Gpio_Rig_Tests()
    {
        _driver = new VirtualGpioDriver(new VirtualGpioDriverOptions(_path), TimeProvider.System, NullLoggerFactory.Instance);
        _controller = new GpioController(_driver);
    }

    public async Task InitializeAsync() => _rig = await VirtualGpioRig.ConnectAsync(_path, _deadline.Token);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    public void Dispose()
    {
        _controller.Dispose();
        _driver.Dispose();
        _deadline.Dispose();
    }

    [Fact]
    public async Task Press_pulls_a_pull_up_button_low_and_release_lets_it_float_back()
    {
        _controller.OpenPin(17, PinMode.InputPullUp);

        await _rig.PressAsync(17, _deadline.Token);
        Assert.Equal(PinValue.Low, _controller.Read(17));
        Assert.Equal(PinValue.Low, await _rig.ReadLevelAsync(17, _deadline.Token));

        await _rig.ReleaseAsync(17, _deadline.Token);
        Assert.Equal(PinValue.High, _controller.Read(17));
    }

    [Fact]
    public async Task A_rig_for_pull_down_buttons_presses_high()
    {
        _controller.OpenPin(5, PinMode.InputPullDown);
        await using var rig = await VirtualGpioRig.ConnectAsync(_path, PinValue.High, TimeProvider.System, _deadline.Token);

        await rig.PressAsync(5, _deadline.Token);

        Assert.Equal(PinValue.High, _controller.Read(5));
    }

    [Fact]
    public async Task PressFor_holds_the_button_down_for_the_duration()
    {
        _controller.OpenPin(17, PinMode.InputPullUp);
        var falling = _controller.WaitForEventAsync(17, PinEventTypes.Falling, _deadline.Token).AsTask();

        var press = await _rig.PressForAsync(17, TimeSpan.FromMilliseconds(120), _deadline.Token);

        Assert.False((await falling).TimedOut);
        Assert.Equal(17, press.Pin);
        // Timers may fire a clock tick early; the release is checked through the socket, in order.
        Assert.InRange(press.Duration, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        Assert.Equal(PinValue.High, await _rig.ReadLevelAsync(17, _deadline.Token));
    }

    [Fact]
    public async Task A_cancelled_press_still_lets_go()
    {
        _controller.OpenPin(17, PinMode.InputPullUp);
        using var cancel = new CancellationTokenSource();
        var pressed = _controller.WaitForEventAsync(17, PinEventTypes.Falling, _deadline.Token).AsTask();
        var press = _rig.PressForAsync(17, TimeSpan.FromMinutes(5), cancel.Token);
        Assert.False((await pressed).TimedOut);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => press);
        Assert.Equal(PinValue.High, await _rig.ReadLevelAsync(17, _deadline.Token));
    }

    [Fact]
    public async Task Modes_are_read_back()
    {
        _controller.OpenPin(17, PinMode.InputPullUp);
        _controller.OpenPin(27, PinMode.Output);

        Assert.Equal(VirtualPinMode.InputPullUp, await _rig.ReadModeAsync(17, _deadline.Token));
        Assert.Equal(VirtualPinMode.Output, await _rig.ReadModeAsync(27, _deadline.Token));
        Assert.Equal(VirtualPinMode.Closed, await _rig.ReadModeAsync(26, _deadline.Token));
    }

    [Fact]
    public async Task The_timeline_records_led_changes_in_order_with_the_gateways_times()
    {
        _controller.OpenPin(27, PinMode.Output);
        _controller.OpenPin(22, PinMode.Output, PinValue.High);
        var before = DateTimeOffset.UtcNow.AddMilliseconds(-1);

        var open = await _rig.WatchAsync(_deadline.Token);
        Assert.Equal(
            [new VirtualPinState(22, VirtualPinMode.Output, PinValue.High), new VirtualPinState(27, VirtualPinMode.Output, PinValue.Low)],
            open);

        _controller.Write(27, PinValue.High);
        _controller.Write(22, PinValue.Low);
        _controller.Write(27, PinValue.Low);
        await _rig.PingAsync(_deadline.Token); // the server answers after the events it sent before
        var last = await _rig.WaitForLevelAsync(27, PinValue.Low, _deadline.Token);

        var timeline = _rig.Timeline;
        Assert.Equal([(27, PinValue.High), (22, PinValue.Low), (27, PinValue.Low)], timeline.Select(c => (c.Pin, c.Level)));
        Assert.All(timeline, c => Assert.InRange(c.At, before, DateTimeOffset.UtcNow.AddMilliseconds(1)));
        Assert.Equal(timeline[^1], last);
        Assert.Equal([PinValue.High, PinValue.Low], _rig.TimelineOf(27).Select(c => c.Level));
    }

    [Fact]
    public async Task Waiting_for_a_change_completes_on_the_next_edge()
    {
        _controller.OpenPin(27, PinMode.Output);
        await _rig.WatchAsync(_deadline.Token);
        var change = _rig.WaitForChangeAsync(27, _deadline.Token);
        await _rig.PingAsync(_deadline.Token);
        Assert.False(change.IsCompleted);

        _controller.Write(27, PinValue.High);

        Assert.Equal(PinValue.High, (await change).Level);
    }

    [Fact]
    public async Task Waiting_needs_a_watch()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _rig.WaitForLevelAsync(27, PinValue.High, _deadline.Token));
    }

    [Fact]
    public async Task Refusals_arrive_as_typed_exceptions()
    {
        _controller.OpenPin(27, PinMode.Output);

        var notInput = await Assert.ThrowsAsync<VirtualGpioRigException>(() => _rig.PressAsync(27, _deadline.Token));
        var badPin = await Assert.ThrowsAsync<VirtualGpioRigException>(() => _rig.ReadLevelAsync(99, _deadline.Token));

        Assert.Equal("not-input", notInput.Code);
        Assert.Equal("bad-pin", badPin.Code);
        await _rig.PingAsync(_deadline.Token);
    }

    [Fact]
    public async Task Requests_from_many_tasks_get_their_own_replies()
    {
        _controller.OpenPin(27, PinMode.Output, PinValue.High);
        _controller.OpenPin(26, PinMode.Output, PinValue.Low);

        var reads = Enumerable.Range(0, 200).Select(i => _rig.ReadLevelAsync(i % 2 == 0 ? 27 : 26, _deadline.Token)).ToArray();
        var levels = await Task.WhenAll(reads);

        Assert.All(levels.Where((_, i) => i % 2 == 0), l => Assert.Equal(PinValue.High, l));
        Assert.All(levels.Where((_, i) => i % 2 == 1), l => Assert.Equal(PinValue.Low, l));
    }

    [Fact]
    public async Task A_closed_gateway_fails_the_rigs_requests()
    {
        _controller.Dispose();

        await Assert.ThrowsAsync<VirtualGpioRigException>(async () =>
        {
            // The first request may still be written before the close is seen; one of these fails.
            for (var i = 0; i < 50; i++)
            {
                await _rig.PingAsync(_deadline.Token);
                await Task.Delay(10, _deadline.Token);
            }
        });
    }
}
