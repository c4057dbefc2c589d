using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Crypto;

public sealed partial class Setup_Code_Tests
{
    [GeneratedRegex("^[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]{6}$")]
    private static partial Regex DisplayForm();

    /// <summary>Codes whose check symbols were computed by hand (Luhn mod 32, factor 2 on the last data symbol).</summary>
    public static TheoryData<string> Hand_computed_codes => new()
    {
        ZeroSetupCode, // sum 0 -> check 0
        "00000000000000001Y", // 2*1 = 2 -> 32-2 = 30 = Y
        "10000000000000000Y", // first symbol also has factor 2 (17 data symbols)
        "01000000000000000Z", // factor 1: 1 -> 31 = Z
        "Z00000000000000001", // 2*31 = 62 -> 1+30 = 31 -> 1
    };

    [Theory]
    [MemberData(nameof(Hand_computed_codes))]
    public void Accepts_codes_with_a_correct_check_symbol(string text)
    {
        Assert.True(SetupCode.TryParse(text, out var code, out var reason));
        Assert.Equal(text, code.ToCanonicalString());
        Assert.Equal(string.Empty, reason);
    }

    [Fact]
    public void The_alphabet_is_crockford_base32()
    {
        Assert.Equal(32, SetupCode.Alphabet.Length);
        Assert.Equal(32, SetupCode.Alphabet.Distinct().Count());
        foreach (var excluded in "ILOU")
        {
            Assert.DoesNotContain(excluded, SetupCode.Alphabet);
        }
        Assert.Equal(18, SetupCode.Length);
        Assert.Equal(85, SetupCode.EntropyBits);
    }

    [Fact]
    public void Generate_gives_18_symbols_of_the_alphabet_that_parse_back()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            var code = SetupCode.Generate();
            var canonical = code.ToCanonicalString();
            Assert.Equal(18, canonical.Length);
            Assert.All(canonical, c => Assert.Contains(c, SetupCode.Alphabet));
            Assert.Equal(code, SetupCode.Parse(canonical));
            Assert.Equal(code, SetupCode.Parse(code.ToDisplayString()));
            Assert.True(seen.Add(canonical));
        }
    }

    [Fact]
    public void Display_form_is_three_groups_of_six()
    {
        Assert.Equal("Z00000-000000-000001", SetupCode.Parse("Z00000000000000001").ToDisplayString());
        Assert.Matches(DisplayForm(), SetupCode.Generate().ToDisplayString());
    }

    [Theory]
    [InlineData("z00000000000000001")]
    [InlineData("Z00000-000000-000001")]
    [InlineData("z00000 000000 000001")]
    [InlineData("  Z0 0000-0000--000 00 001 ")]
    [InlineData("ZOOOOO-OOOOOO-oooooI")] // O reads as 0, I as 1
    [InlineData("Z00000-000000-00000l")] // l reads as 1
    [InlineData("Z00000-000000-00000L")]
    [InlineData("Z00000-000000-00000i")]
    public void Parse_ignores_case_spaces_and_hyphens_and_reads_lookalikes(string text) =>
        Assert.Equal("Z00000000000000001", SetupCode.Parse(text).ToCanonicalString());

    public static TheoryData<string> Base_codes => new() { ZeroSetupCode, "Z00000000000000001", "7KQ2MXZ9AB4CDEFGH" + SetupCode.CheckSymbol("7KQ2MXZ9AB4CDEFGH") };

    [Theory]
    [MemberData(nameof(Base_codes))]
    public void Every_single_symbol_substitution_is_rejected(string valid)
    {
        Assert.True(SetupCode.TryParse(valid, out _, out _));
        var rejected = 0;
        for (var position = 0; position < SetupCode.Length; position++)
        {
            foreach (var symbol in SetupCode.Alphabet)
            {
                if (symbol == valid[position])
                {
                    continue;
                }
                var typo = string.Concat(valid.AsSpan(0, position), symbol.ToString(), valid.AsSpan(position + 1));
                Assert.False(SetupCode.TryParse(typo, out var code, out var reason), $"{typo} was accepted");
                Assert.Null(code);
                Assert.Contains("check symbol", reason, StringComparison.Ordinal);
                var ex = Throws(ProtocolErrorCode.InvalidSetupCode, () => SetupCode.Parse(typo));
                Assert.DoesNotContain(typo, ex.Message, StringComparison.Ordinal);
                rejected++;
            }
        }
        Assert.Equal(18 * 31, rejected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00000000000000000")] // 17
    [InlineData("0000000000000000000")] // 19
    [InlineData("000000-000000-00000")]
    [InlineData("------------------------------------------------000000000000000000")] // valid symbols, but over 64 characters
    public void Wrong_length_is_rejected(string text)
    {
        Assert.False(SetupCode.TryParse(text, out var code, out var reason));
        Assert.Null(code);
        Assert.Contains("18 symbols", reason, StringComparison.Ordinal);
        Throws(ProtocolErrorCode.InvalidSetupCode, () => SetupCode.Parse(text));
    }

    [Fact]
    public void Null_is_rejected()
    {
        Assert.False(SetupCode.TryParse(null, out _, out _));
        Throws(ProtocolErrorCode.InvalidSetupCode, () => SetupCode.Parse(null!));
    }

    [Theory]
    [InlineData("U00000000000000000")]
    [InlineData("00000000000000000u")]
    [InlineData("000000_000000_000000")]
    [InlineData("000000.000000.000000")]
    [InlineData("000000\t000000\t000000")]
    [InlineData("00000000000000000\u00d8")] // Ø is not O
    [InlineData("00000000000000000*")]
    public void Symbols_outside_the_alphabet_are_rejected(string text)
    {
        Assert.False(SetupCode.TryParse(text, out _, out var reason));
        Assert.Contains("without U", reason, StringComparison.Ordinal);
        Throws(ProtocolErrorCode.InvalidSetupCode, () => SetupCode.Parse(text));
    }

    [Theory]
    [InlineData("7KQ2MX-Z9AB4C-DEFGHZ")]
    [InlineData("7KQ2MXZ9AB4CDEFGH")]
    [InlineData("7KQ2MXZ9AB4CDEFGHJK")]
    [InlineData("7KQ2MX-Z9AB4C-DEFGU0")]
    public void Error_messages_never_repeat_the_input(string text)
    {
        Assert.False(SetupCode.TryParse(text, out _, out var reason));
        var ex = Throws(ProtocolErrorCode.InvalidSetupCode, () => SetupCode.Parse(text));
        foreach (var message in new[] { reason, ex.Message })
        {
            Assert.DoesNotContain(text, message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(text.Replace("-", "", StringComparison.Ordinal)[..6], message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void ToString_is_redacted()
    {
        var code = SetupCode.Generate();
        Assert.Equal("SetupCode(***)", code.ToString());
        Assert.DoesNotContain(code.ToCanonicalString(), $"{code}", StringComparison.Ordinal);
    }

    [Fact]
    public void ComputeSecret_is_sha256_of_the_ascii_canonical_form()
    {
        var code = SetupCode.Parse("z00000-000000-00000i");
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes("Z00000000000000001")), code.ComputeSecret());
        Assert.Equal(32, code.ComputeSecret().Length);
        Assert.NotEqual(code.ComputeSecret(), SetupCode.Parse(ZeroSetupCode).ComputeSecret());
    }

    [Fact]
    public void Codes_compare_by_their_canonical_form()
    {
        var a = SetupCode.Parse("Z00000-000000-000001");
        var b = SetupCode.Parse("z00000000000000001");
        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.False(a.Equals(SetupCode.Parse(ZeroSetupCode)));
        Assert.False(a.Equals(null));
    }
}
