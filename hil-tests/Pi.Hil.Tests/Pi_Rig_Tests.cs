using System.Device.Gpio;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Gateway.Gpio;
using Pi.Gateway.Leds;
using Pi.Hil.Leds;
using Pi.Hil.Pi;
using Pi.Hil.Processes;
using Pi.Protocol.Labels;

namespace Pi.Hil.Tests;

/// <summary>
/// The Pi rig at its seam: its GpioController runs on an injected driver. Here that driver is the
/// gateway's virtual chip, and this test holds the chip's other end (its socket) as the gateway's
/// pins would: it reads the reset line the rig drives and drives the LED lines the rig reads.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes them through IAsyncLifetime.DisposeAsync")]
public sealed class Pi_Rig_Tests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pihil-pirig-").FullName;
    private VirtualGpioDriver? _driver;
    private VirtualGpioRig? _wires;
    private PiRig? _rig;

    private static PiRigOptions Options => new() { ResetPin = 23, LedPins = [24, 25], QrPayload = "PIGW:1;M:02:00:00:00:00:01;S:7KQ2M9XCVB4TRPH3NS;N:pi_gateway_000001;" };

    public async Task InitializeAsync()
    {
        _driver = new VirtualGpioDriver(new VirtualGpioDriverOptions(Path.Combine(_dir, "gpio.sock")), TimeProvider.System, NullLoggerFactory.Instance);
        _rig = new PiRig(Options, _driver, "Pi.App.dll", new RigLog());
        _wires = await VirtualGpioRig.ConnectAsync(_driver.SocketPath!, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _rig!.DisposeAsync();
        await _wires!.DisposeAsync();
        _driver!.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_press_drives_the_reset_line_low_and_a_release_lets_it_float_back_to_an_input()
    {
        Assert.Equal(VirtualPinMode.Input, await _wires!.ReadModeAsync(23, CancellationToken.None));
        await _rig!.HoldResetDownAsync(CancellationToken.None);
        Assert.True(_rig.ResetHeld);
        Assert.Equal(VirtualPinMode.Output, await _wires.ReadModeAsync(23, CancellationToken.None));
        Assert.Equal(PinValue.Low, await _wires.ReadLevelAsync(23, CancellationToken.None));
        await _rig.ReleaseResetAsync(CancellationToken.None);
        Assert.Equal(VirtualPinMode.Input, await _wires.ReadModeAsync(23, CancellationToken.None));
        Assert.False(_rig.ResetHeld);

        using var cancel = new CancellationTokenSource();
        var press = _rig.PressResetAsync(TimeSpan.FromMinutes(5), cancel.Token);
        Assert.True(_rig.ResetHeld);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => press);
        Assert.False(_rig.ResetHeld); // a cancelled press still lets go
    }

    [Fact]
    public async Task The_led_lines_it_reads_make_a_timeline_that_shows_the_gateways_patterns()
    {
        // The "gateway" flickers Resetting (green and red alternating every 100 ms) on the LED lines.
        for (var i = 0; i < 6; i++)
        {
            await _wires!.SetLevelAsync(24, i % 2 == 0 ? PinValue.High : PinValue.Low, CancellationToken.None);
            await _wires.SetLevelAsync(25, i % 2 == 0 ? PinValue.Low : PinValue.High, CancellationToken.None);
            await Task.Delay(100); // the pattern's own pace: this test plays the gateway's LEDs
        }
        await _wires!.SetLevelAsync(24, PinValue.High, CancellationToken.None);
        await _wires.SetLevelAsync(25, PinValue.Low, CancellationToken.None);
        var timeline = _rig!.LedTimeline;
        Assert.True(timeline.Changes.Count >= 10, timeline.ToString());
        Assert.NotNull(LedPatternMatcher.Find(timeline, LedState.Resetting, 3));

        // Then steady green: Online, seen by waiting on the rig.
        var online = await _rig.WaitForLedPatternAsync(LedState.Online, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal([LedState.Online], LedPatternMatcher.Identify(online));
    }

    [Fact]
    public void Its_addresses_come_from_the_configuration()
    {
        Assert.Equal(RigMode.Pi, _rig!.Mode);
        Assert.Equal("192.168.4.255:10071", _rig.Addresses.SearchEndPoint.ToString());
        Assert.Equal("255.255.255.255:10071", _rig.Addresses.LanSearchEndPoint.ToString());
        Assert.Equal("wlan0", _rig.Addresses.AppInterface);
        Assert.Equal(2, _rig.LedCount);
    }
}

/// <summary>The Pi rig's configuration file.</summary>
public sealed class Pi_Rig_Options_Tests
{
    [Fact]
    public void A_configuration_file_is_read_with_comments_and_checked()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                // the rig Pi's wiring
                { "resetPin": 5, "ledPins": [6, 13], "lanAddress": "192.168.1.77", "cloudUrl": "https://10.0.0.2:8443/", }
                """);
            var options = PiRigOptions.Load(path);
            Assert.Equal(5, options.ResetPin);
            Assert.Equal([6, 13], options.LedPins);
            Assert.Equal("192.168.1.77", options.LanAddress);

            File.WriteAllText(path, """{ "resetPin": 6, "ledPins": [6, 13] }""");
            Assert.Contains("must differ", Assert.Throws<InvalidDataException>(() => PiRigOptions.Load(path)).Message, StringComparison.Ordinal);
            File.WriteAllText(path, """{ "resetPinn": 6 }""");
            Assert.ThrowsAny<System.Text.Json.JsonException>(() => PiRigOptions.Load(path));
            File.WriteAllText(path, """{ "driver": "sysfs", "pressLevel": 3 }""");
            var message = Assert.Throws<InvalidDataException>(() => PiRigOptions.Load(path)).Message;
            Assert.Contains("driver", message, StringComparison.Ordinal);
            Assert.Contains("pressLevel", message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_pi_rig_is_chosen_only_by_the_environment_and_needs_its_configuration()
    {
        Assert.Equal(string.Equals(Environment.GetEnvironmentVariable("PI_HIL_RIG"), "pi", StringComparison.OrdinalIgnoreCase), RigSelection.PiSelected);
        if (Environment.GetEnvironmentVariable(RigSelection.ConfigVariable) is null)
        {
            Assert.Contains(RigSelection.ConfigVariable, Assert.Throws<InvalidOperationException>(RigSelection.LoadPiOptions).Message, StringComparison.Ordinal);
        }
    }
}
