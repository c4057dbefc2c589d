using System.Device.Gpio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.Gpio;
using Pi.Gateway.Leds;

namespace Pi.Gateway.Tests.Gpio;

/// <summary>AddGpio in a real host: what a Program.cs gets.</summary>
public sealed class Add_Gpio_Tests : IDisposable
{
    private readonly CancellationTokenSource _deadline = GpioTestSupport.Deadline();

    public void Dispose() => _deadline.Dispose();

    [Fact]
    public async Task The_virtual_driver_serves_a_rig_that_presses_the_button_and_reads_the_leds()
    {
        var path = GpioTestSupport.NewSocketPath();
        using var host = BuildHost(new() { ["Gpio:Driver"] = "Virtual", ["Gpio:VirtualSocketPath"] = path });
        await host.StartAsync(_deadline.Token);

        var driver = Assert.IsType<VirtualGpioDriver>(host.Services.GetRequiredService<GpioDriver>());
        Assert.Equal(path, driver.SocketPath);
        var button = host.Services.GetRequiredService<ResetButton>();
        var leds = host.Services.GetRequiredService<StatusLeds>();
        var shortPress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        button.ShortPress += (_, _) => shortPress.TrySetResult();
        leds.Show(LedState.Error);

        await using (var rig = await VirtualGpioRig.ConnectAsync(path, _deadline.Token))
        {
            Assert.Equal(VirtualPinMode.InputPullUp, await rig.ReadModeAsync(17, _deadline.Token));
            Assert.Equal(VirtualPinMode.Output, await rig.ReadModeAsync(27, _deadline.Token));
            Assert.Equal(PinValue.Low, await rig.ReadLevelAsync(27, _deadline.Token));
            Assert.Equal(PinValue.High, await rig.ReadLevelAsync(22, _deadline.Token));

            await rig.PressForAsync(17, TimeSpan.FromMilliseconds(100), _deadline.Token);
            await shortPress.Task.WaitAsync(_deadline.Token);
        }

        await host.StopAsync(_deadline.Token);
        Assert.Equal(VirtualPinMode.Closed, driver.GetPin(17).Mode);
        host.Dispose();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void The_controller_is_built_on_the_injected_driver()
    {
        using var host = BuildHost(new() { ["Gpio:Driver"] = "Virtual", ["Gpio:VirtualSocketPath"] = GpioTestSupport.NewSocketPath() });

        var controller = host.Services.GetRequiredService<GpioController>();
        controller.OpenPin(5, PinMode.Output, PinValue.High);

        var driver = (VirtualGpioDriver)host.Services.GetRequiredService<GpioDriver>();
        Assert.Equal(new VirtualPinState(5, VirtualPinMode.Output, PinValue.High), driver.GetPin(5));
    }

    [Theory]
    [InlineData("Libgpiod")]
    [InlineData("LibgpiodV2")]
    public async Task A_libgpiod_driver_that_cannot_be_created_fails_the_start_with_a_typed_error(string driver)
    {
        // Chip 999 exists nowhere: this fails here (no libgpiod) and on a Pi (no such chip) alike.
        using var host = BuildHost(new() { ["Gpio:Driver"] = driver, ["Gpio:Chip"] = "999" });

        var error = await Assert.ThrowsAsync<GpioUnavailableException>(() => host.StartAsync(_deadline.Token));

        Assert.Contains("/dev/gpiochip999", error.Message, StringComparison.Ordinal);
        Assert.Contains("Gpio:Driver", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public async Task Invalid_settings_fail_the_start_before_any_pin_is_touched()
    {
        using var host = BuildHost(new() { ["Gpio:Driver"] = "Virtual", ["Gpio:VirtualSocketPath"] = GpioTestSupport.NewSocketPath(), ["Gpio:LedPins"] = "17" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(_deadline.Token));

        Assert.Contains("Gpio:LedPins", error.Message, StringComparison.Ordinal);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGpio(builder.Configuration);
        return builder.Build();
    }
}
