using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Pi.Gateway.Gpio;

namespace Pi.Gateway.Tests.Gpio;

public sealed class Gpio_Options_Tests
{
    private readonly GpioOptionsValidator _validator = new();

    [Fact]
    public void An_empty_section_gives_the_documented_defaults()
    {
        var options = Bind([]);

        Assert.Equal(GpioDriverKind.Libgpiod, options.Driver);
        Assert.Equal(0, options.Chip);
        Assert.Equal("/run/pi-gateway/gpio.sock", options.VirtualSocketPath);
        Assert.Equal(28, options.VirtualPinCount);
        Assert.False(options.VirtualSocketGroupAccess);
        Assert.Equal(17, options.ResetPin);
        Assert.True(options.ResetPullUp);
        Assert.Equal(50, options.DebounceMs);
        Assert.Equal(5000, options.LongPressMs);
        Assert.Equal([27, 22], options.LedPins);
        Assert.True(options.LedActiveHigh);
        Assert.True(_validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var options = Bind(new()
        {
            ["Gpio:Driver"] = "virtual",
            ["Gpio:Chip"] = "4",
            ["Gpio:VirtualSocketPath"] = "/tmp/rig.sock",
            ["Gpio:VirtualPinCount"] = "40",
            ["Gpio:VirtualSocketGroupAccess"] = "true",
            ["Gpio:ResetPin"] = "3",
            ["Gpio:ResetPullUp"] = "False",
            ["Gpio:DebounceMs"] = "20",
            ["Gpio:LongPressMs"] = "3000",
            ["Gpio:LedPins:0"] = "5",
            ["Gpio:LedActiveHigh"] = "false",
        });

        Assert.Equal(GpioDriverKind.Virtual, options.Driver);
        Assert.Equal(4, options.Chip);
        Assert.Equal("/tmp/rig.sock", options.VirtualSocketPath);
        Assert.Equal(40, options.VirtualPinCount);
        Assert.True(options.VirtualSocketGroupAccess);
        Assert.Equal(3, options.ResetPin);
        Assert.False(options.ResetPullUp);
        Assert.Equal(20, options.DebounceMs);
        Assert.Equal(3000, options.LongPressMs);
        Assert.Equal([5], options.LedPins);
        Assert.False(options.LedActiveHigh);
    }

    [Fact]
    public void Led_pins_come_as_an_array_in_index_order_or_as_one_comma_list()
    {
        Assert.Equal([6, 5], Bind(new() { ["Gpio:LedPins:1"] = "5", ["Gpio:LedPins:0"] = "6" }).LedPins);
        Assert.Equal([24, 25], Bind(new() { ["Gpio:LedPins"] = "24, 25" }).LedPins);
    }

    [Fact]
    public void Values_of_the_wrong_type_are_all_named_at_once()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new()
        {
            ["Gpio:Driver"] = "sysfs",
            ["Gpio:ResetPin"] = "seventeen",
            ["Gpio:LedActiveHigh"] = "maybe",
            ["Gpio:LedPins:0"] = "x",
        }));

        Assert.Equal(4, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("Gpio:Driver 'sysfs'", StringComparison.Ordinal) && f.Contains("Virtual", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Gpio:ResetPin 'seventeen'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Gpio:LedActiveHigh 'maybe'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Gpio:0 'x'", StringComparison.Ordinal) || f.Contains("'x'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("0")]
    [InlineData("Virtual,Libgpiod")]
    public void A_driver_given_as_a_number_or_a_combination_is_refused(string driver)
    {
        Assert.Throws<OptionsValidationException>(() => Bind(new() { ["Gpio:Driver"] = driver }));
    }

    [Theory]
    [InlineData("ResetPin", "64", "Gpio:ResetPin")]
    [InlineData("ResetPin", "-1", "Gpio:ResetPin")]
    [InlineData("DebounceMs", "0", "Gpio:DebounceMs")]
    [InlineData("DebounceMs", "501", "Gpio:DebounceMs")]
    [InlineData("LongPressMs", "999", "Gpio:LongPressMs")]
    [InlineData("LongPressMs", "60001", "Gpio:LongPressMs")]
    [InlineData("Chip", "-1", "Gpio:Chip")]
    [InlineData("LedPins", "27,22,23", "Gpio:LedPins")]
    [InlineData("LedPins", "27,27", "Gpio:LedPins")]
    [InlineData("LedPins", "17", "Gpio:LedPins")]
    [InlineData("LedPins", "70", "Gpio:LedPins")]
    public void Out_of_range_settings_fail_validation_by_name(string key, string value, string named)
    {
        var options = Bind(new() { [$"Gpio:{key}"] = value });

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_virtual_driver_needs_a_usable_socket_path_and_pins_on_its_chip()
    {
        var options = Bind(new()
        {
            ["Gpio:Driver"] = "Virtual",
            ["Gpio:VirtualSocketPath"] = "/tmp/" + new string('s', 120),
            ["Gpio:VirtualPinCount"] = "20",
            ["Gpio:ResetPin"] = "21",
        });

        var result = _validator.Validate(null, options);

        Assert.Contains("Gpio:VirtualSocketPath", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Gpio:ResetPin must be 0-19", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Gpio:LedPins must be 0-19", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(_validator.Validate(null, Bind(new() { ["Gpio:Driver"] = "Virtual", ["Gpio:VirtualSocketPath"] = "" })).Failed);
    }

    private static GpioOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = new GpioOptions();
        GpioOptions.Bind(configuration.GetSection(GpioOptions.Section), options);
        return options;
    }
}
