using System.Text.RegularExpressions;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Tests.Errors;

public sealed partial class Protocol_Errors_Tests
{
    [GeneratedRegex("^[a-z]+(_[a-z]+)*$")]
    private static partial Regex SnakeCase();

    [Fact]
    public void Every_code_has_a_unique_snake_case_name()
    {
        var names = Enum.GetValues<ProtocolErrorCode>().Select(ProtocolErrors.Name).ToList();
        Assert.All(names, name => Assert.Matches(SnakeCase(), name));
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_code_has_a_unique_number()
    {
        var numbers = Enum.GetValues<ProtocolErrorCode>().Select(code => (int)code).ToList();
        Assert.Equal(numbers.Count, numbers.Distinct().Count());
        Assert.Equal(Enum.GetNames<ProtocolErrorCode>().Length, numbers.Count);
    }

    [Fact]
    public void All_lists_every_code_in_numeric_order()
    {
        Assert.Equal(Enum.GetValues<ProtocolErrorCode>().Order(), ProtocolErrors.All);
        Assert.Equal(ProtocolErrors.All.OrderBy(code => (int)code), ProtocolErrors.All);
    }

    [Fact]
    public void TryParse_round_trips_every_name()
    {
        foreach (var code in ProtocolErrors.All)
        {
            Assert.True(ProtocolErrors.TryParse(ProtocolErrors.Name(code), out var parsed));
            Assert.Equal(code, parsed);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("Replayed")]
    [InlineData("REPLAYED")]
    [InlineData("replayed ")]
    [InlineData("201")]
    [InlineData("no_such_code")]
    public void TryParse_refuses_unknown_names(string name) =>
        Assert.False(ProtocolErrors.TryParse(name, out _));

    [Theory]
    [InlineData(ProtocolErrorCode.Truncated, 100, "truncated")]
    [InlineData(ProtocolErrorCode.FrameTooLarge, 106, "frame_too_large")]
    [InlineData(ProtocolErrorCode.AuthenticationFailed, 200, "authentication_failed")]
    [InlineData(ProtocolErrorCode.Replayed, 201, "replayed")]
    [InlineData(ProtocolErrorCode.SecurityModeMismatch, 210, "security_mode_mismatch")]
    [InlineData(ProtocolErrorCode.MalformedJson, 300, "malformed_json")]
    [InlineData(ProtocolErrorCode.Busy, 400, "busy")]
    [InlineData(ProtocolErrorCode.UnknownCommand, 412, "unknown_command")]
    [InlineData(ProtocolErrorCode.Internal, 500, "internal")]
    public void Numbers_and_names_are_the_published_ones(ProtocolErrorCode code, int number, string name)
    {
        Assert.Equal(number, (int)code);
        Assert.Equal(name, ProtocolErrors.Name(code));
    }

    [Fact]
    public void An_undefined_code_is_named_by_its_number() =>
        Assert.Equal("999", ProtocolErrors.Name((ProtocolErrorCode)999));

    [Fact]
    public void Exceptions_carry_the_code_and_prefix_the_message_with_its_name()
    {
        var ex = new ProtocolException(ProtocolErrorCode.Replayed, "counter 5 again");
        Assert.Equal(ProtocolErrorCode.Replayed, ex.Code);
        Assert.Equal("replayed: counter 5 again", ex.Message);

        var inner = new InvalidOperationException("inner");
        var wrapped = new ProtocolException(ProtocolErrorCode.DecryptFailed, "no", inner);
        Assert.Same(inner, wrapped.InnerException);
        Assert.Equal("decrypt_failed: no", wrapped.Message);
    }

    [Fact]
    public void The_general_exception_constructors_mean_internal()
    {
        Assert.Equal(ProtocolErrorCode.Internal, new ProtocolException().Code);
        Assert.Equal("internal: text", new ProtocolException("text").Message);
        Assert.Equal(ProtocolErrorCode.Internal, new ProtocolException("text", new InvalidOperationException()).Code);
    }
}
