using System.Device.Gpio;
using Pi.Gateway.Gpio;

namespace Pi.Gateway.Tests.Gpio;

public sealed class Virtual_Gpio_Driver_Pin_Tests : IDisposable
{
    private readonly VirtualGpioDriver _driver = new();
    private readonly GpioController _controller;
    private readonly CancellationTokenSource _deadline = GpioTestSupport.Deadline();

    public Virtual_Gpio_Driver_Pin_Tests() => _controller = new GpioController(_driver);

    public void Dispose()
    {
        _controller.Dispose();
        _deadline.Dispose();
    }

    [Fact]
    public async Task A_pull_up_input_reads_high_until_the_rig_pulls_it_low_and_high_again_when_let_go()
    {
        _controller.OpenPin(17, PinMode.InputPullUp);
        Assert.Equal(PinValue.High, _controller.Read(17));

        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);
        Assert.Equal(PinValue.Low, _controller.Read(17));

        await _driver.DriveAsync(17, null, _deadline.Token);
        Assert.Equal(PinValue.High, _controller.Read(17));
    }

    [Fact]
    public async Task A_pull_down_input_reads_low_until_the_rig_drives_it_high()
    {
        _controller.OpenPin(5, PinMode.InputPullDown);
        Assert.Equal(PinValue.Low, _controller.Read(5));

        await _driver.DriveAsync(5, PinValue.High, _deadline.Token);
        Assert.Equal(PinValue.High, _controller.Read(5));

        await _driver.DriveAsync(5, null, _deadline.Token);
        Assert.Equal(PinValue.Low, _controller.Read(5));
    }

    [Fact]
    public async Task A_floating_input_keeps_its_last_level()
    {
        _controller.OpenPin(6, PinMode.Input);
        await _driver.DriveAsync(6, PinValue.High, _deadline.Token);
        await _driver.DriveAsync(6, null, _deadline.Token);

        Assert.Equal(PinValue.High, _controller.Read(6));
    }

    [Fact]
    public async Task A_level_driven_before_the_gateway_opens_the_pin_is_read_at_open()
    {
        await _driver.DriveAsync(17, PinValue.Low, _deadline.Token);
        Assert.Equal(VirtualPinMode.Closed, _driver.GetPin(17).Mode);

        _controller.OpenPin(17, PinMode.InputPullUp);

        Assert.Equal(PinValue.Low, _controller.Read(17));
        Assert.Equal(new VirtualPinState(17, VirtualPinMode.InputPullUp, PinValue.Low), _driver.GetPin(17));
    }

    [Fact]
    public void What_the_gateway_writes_is_on_the_wire()
    {
        _controller.OpenPin(27, PinMode.Output);
        _controller.Write(27, PinValue.High);
        Assert.Equal(new VirtualPinState(27, VirtualPinMode.Output, PinValue.High), _driver.GetPin(27));

        _controller.Write(27, PinValue.Low);
        Assert.Equal(PinValue.Low, _driver.GetPin(27).Level);
        Assert.Equal(PinValue.Low, _controller.Read(27));
    }

    [Fact]
    public void Opening_an_output_with_an_initial_value_never_shows_another_level()
    {
        var changes = new List<VirtualPinChange>();
        using var watch = _driver.Watch(changes.Add, (_, _) => { });

        // Active-low LED: "off" is high, and the wire must go straight there.
        _controller.OpenPin(22, PinMode.Output, PinValue.High);

        Assert.Equal(PinValue.High, _driver.GetPin(22).Level);
        Assert.Equal([PinValue.High], changes.Select(c => c.Level));
    }

    [Fact]
    public void A_value_written_to_an_input_waits_in_the_controller_until_the_pin_becomes_an_output()
    {
        // GpioController 4.x remembers it and passes it to SetPinMode(pin, mode, value).
        _controller.OpenPin(22, PinMode.InputPullDown);
        _controller.Write(22, PinValue.High);
        Assert.Equal(PinValue.Low, _driver.GetPin(22).Level);

        _controller.SetPinMode(22, PinMode.Output);

        Assert.Equal(new VirtualPinState(22, VirtualPinMode.Output, PinValue.High), _driver.GetPin(22));
    }

    [Fact]
    public async Task The_rig_cannot_drive_an_output()
    {
        _controller.OpenPin(27, PinMode.Output);

        await Assert.ThrowsAsync<InvalidOperationException>(() => _driver.DriveAsync(27, PinValue.High, _deadline.Token));
        // Letting go of a wire it does not drive is harmless.
        await _driver.DriveAsync(27, null, _deadline.Token);
    }

    [Fact]
    public async Task Pins_outside_the_chip_are_refused()
    {
        Assert.Equal(VirtualGpioDriver.DefaultPinCount, _controller.PinCount);
        Assert.False(_controller.IsPinModeSupported(28, PinMode.Input));
        Assert.False(_controller.IsPinModeSupported(-1, PinMode.Input));
        Assert.Throws<ArgumentOutOfRangeException>(() => _controller.OpenPin(28));
        Assert.Throws<ArgumentOutOfRangeException>(() => _driver.GetPin(-1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _driver.DriveAsync(64, PinValue.Low, _deadline.Token));
    }

    [Fact]
    public void Every_mode_is_supported_and_reported_back()
    {
        _controller.OpenPin(4);
        foreach (var mode in new[] { PinMode.Input, PinMode.InputPullUp, PinMode.InputPullDown, PinMode.Output })
        {
            Assert.True(_controller.IsPinModeSupported(4, mode));
            _controller.SetPinMode(4, mode);
            Assert.Equal(mode, _controller.GetPinMode(4));
        }
    }

    [Fact]
    public void A_closed_pin_keeps_its_last_level_and_reports_closed()
    {
        _controller.OpenPin(27, PinMode.Output, PinValue.High);
        _controller.ClosePin(27);

        Assert.Equal(new VirtualPinState(27, VirtualPinMode.Closed, PinValue.High), _driver.GetPin(27));
    }

    [Fact]
    public void The_chip_describes_itself()
    {
        var info = _driver.GetChipInfo();

        Assert.Equal(VirtualGpioDriver.DefaultPinCount, info.NumLines);
        Assert.Equal("virtual", info.Name);
    }

    [Fact]
    public void Disposing_twice_is_harmless()
    {
        _controller.OpenPin(27, PinMode.Output);
        _controller.Dispose();
        _driver.Dispose();

        Assert.Throws<ObjectDisposedException>(() => _driver.Watch(_ => { }, (_, _) => { }));
    }
}
