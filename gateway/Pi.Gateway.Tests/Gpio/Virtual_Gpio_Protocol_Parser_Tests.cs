using System.Device.Gpio;
using Pi.Gateway.Gpio;

namespace Pi.Gateway.Tests.Gpio;

public sealed class Virtual_Gpio_Protocol_Parser_Tests
{
    [Theory]
    [InlineData("PING", "Ping", -1, 0)]
    [InlineData("ping", "Ping", -1, 0)]
    [InlineData("GET 17", "Get", 17, 0)]
    [InlineData("MODE 0", "Mode", 0, 0)]
    [InlineData("SET 17 0", "Set", 17, 0)]
    [InlineData("SET 27 1", "Set", 27, 1)]
    [InlineData("  set   5   1 ", "Set", 5, 1)]
    [InlineData("RELEASE 17", "Release", 17, 0)]
    [InlineData("WATCH", "Watch", -1, 0)]
    [InlineData("QUIT", "Quit", -1, 0)]
    [InlineData("GET 007", "Get", 7, 0)]
    public void Valid_lines_parse(string line, string kind, int pin, int level)
    {
        Assert.True(VirtualGpioProtocol.TryParse(line, 28, out var command, out _));
        Assert.Equal(new RigCommand(Enum.Parse<RigCommandKind>(kind), pin, level == 1 ? PinValue.High : PinValue.Low), command);
    }

    [Theory]
    [InlineData("", "ERR syntax")]
    [InlineData("   ", "ERR syntax")]
    [InlineData("HELLO", "ERR unknown-command")]
    [InlineData("GETX 1", "ERR unknown-command")]
    [InlineData("GET", "ERR syntax")]
    [InlineData("GET 1 2", "ERR syntax")]
    [InlineData("PING now", "ERR syntax")]
    [InlineData("SET 17", "ERR syntax")]
    [InlineData("SET 17 0 0 0 0 0", "ERR syntax")]
    [InlineData("GET 28", "ERR bad-pin")]
    [InlineData("GET -1", "ERR bad-pin")]
    [InlineData("GET +1", "ERR bad-pin")]
    [InlineData("GET 1000", "ERR bad-pin")]
    [InlineData("GET 99999999999999999999", "ERR bad-pin")]
    [InlineData("GET 0x1", "ERR bad-pin")]
    [InlineData("GET ١", "ERR syntax")] // a non-ASCII digit
    [InlineData("SET 17 2", "ERR bad-level")]
    [InlineData("SET 17 high", "ERR bad-level")]
    [InlineData("SET 17 -0", "ERR bad-level")]
    [InlineData("SET\t17 0", "ERR syntax")]
    [InlineData("GET 1\0", "ERR syntax")]
    [InlineData("GET \u00ff", "ERR syntax")]
    public void Bad_lines_get_a_typed_error(string line, string errorPrefix)
    {
        Assert.False(VirtualGpioProtocol.TryParse(line, 28, out _, out var error));
        Assert.StartsWith(errorPrefix + " ", error, StringComparison.Ordinal);
        Assert.True(error.Length <= VirtualGpioProtocol.MaxReplyLength);
    }

    [Fact]
    public void Every_byte_value_in_every_position_parses_or_errs_without_throwing()
    {
        foreach (var template in new[] { "SET 17 0", "GET 17", "WATCH" })
        {
            for (var position = 0; position < template.Length; position++)
            {
                for (var b = 0; b < 256; b++)
                {
                    var line = string.Concat(template.AsSpan(0, position), ((char)b).ToString(), template.AsSpan(position + 1));
                    var parsed = VirtualGpioProtocol.TryParse(line, 28, out _, out var error);
                    Assert.True(parsed || error.StartsWith("ERR ", StringComparison.Ordinal));
                }
            }
        }
    }

    [Theory]
    [InlineData(VirtualPinMode.Closed, "closed")]
    [InlineData(VirtualPinMode.Input, "input")]
    [InlineData(VirtualPinMode.InputPullUp, "input-pullup")]
    [InlineData(VirtualPinMode.InputPullDown, "input-pulldown")]
    [InlineData(VirtualPinMode.Output, "output")]
    public void Mode_names_round_trip(VirtualPinMode mode, string name)
    {
        Assert.Equal(name, VirtualGpioProtocol.ModeName(mode));
        Assert.True(VirtualGpioProtocol.TryParseMode(name, out var parsed));
        Assert.Equal(mode, parsed);
    }
}
