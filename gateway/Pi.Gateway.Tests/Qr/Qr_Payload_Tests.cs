using Pi.Gateway.Qr;
using Pi.Protocol.Crypto;
using Pi.Protocol.Labels;

namespace Pi.Gateway.Tests.Qr;

public sealed class Qr_Payload_Tests
{
    internal const string Code = "7KQ2M9XCVB4TRPH3N0";

    internal static SetupCode SetupCodeSample => SetupCode.Parse(FixCheck(Code));

    /// <summary>A sample code with a correct check symbol (the last symbol is recomputed).</summary>
    internal static string FixCheck(string code)
    {
        foreach (var check in SetupCode.Alphabet)
        {
            var candidate = code[..17] + check;
            if (SetupCode.TryParse(candidate, out _, out _))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("no check symbol fits");
    }

    [Fact]
    public void Writes_the_documented_version_1_text()
    {
        var payload = new QrPayload("b8:27:eb:12:34:56", SetupCodeSample, "pi_gateway_123456");

        Assert.Equal($"PIGW:1;M:B8:27:EB:12:34:56;S:{SetupCodeSample.ToCanonicalString()};N:pi_gateway_123456;", payload.ToText());
    }

    [Fact]
    public void Parses_what_it_writes()
    {
        var payload = new QrPayload("B8:27:EB:12:34:56", SetupCodeSample, "pi_gateway_123456");

        var parsed = QrPayload.Parse(payload.ToText());

        Assert.Equal(payload, parsed);
        Assert.Equal(payload.SetupCode.ToCanonicalString(), parsed.SetupCode.ToCanonicalString());
    }

    [Fact]
    public void Round_trips_awkward_ssids_through_escaping()
    {
        var random = new Random(20250314);
        var alphabet = "abcXYZ019 _-;\\:é日".ToCharArray();
        for (var i = 0; i < 500; i++)
        {
            var ssid = new string(Enumerable.Range(0, random.Next(1, 11)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            var payload = new QrPayload("DC:A6:32:00:00:01", SetupCode.Generate(), ssid);

            var parsed = QrPayload.Parse(payload.ToText());

            Assert.Equal(ssid, parsed.Ssid);
            Assert.Equal(payload.SetupCode, parsed.SetupCode);
        }
    }

    [Theory]
    [InlineData("PIGW:1;N:pi_gateway_123456;S:{code};M:B8:27:EB:12:34:56;")]
    [InlineData("  PIGW:1;M:b8-27-eb-12-34-56;S:{display};N:pi_gateway_123456;\r\n")]
    [InlineData("PIGW:1;M:B8:27:EB:12:34:56;X:later addition;S:{code};N:pi_gateway_123456;ZZ:;")]
    public void Reads_any_order_tolerant_forms_and_ignores_unknown_fields(string template)
    {
        var text = template.Replace("{code}", SetupCodeSample.ToCanonicalString(), StringComparison.Ordinal)
            .Replace("{display}", SetupCodeSample.ToDisplayString().ToLowerInvariant(), StringComparison.Ordinal);

        var parsed = QrPayload.Parse(text);

        Assert.Equal(new QrPayload("B8:27:EB:12:34:56", SetupCodeSample, "pi_gateway_123456"), parsed);
    }

    [Theory]
    [InlineData("", "starts with PIGW:")]
    [InlineData("WIFI:S:x;;", "starts with PIGW:")]
    [InlineData("PIGW:2;M:B8:27:EB:12:34:56;", "version 2 is not supported")]
    [InlineData("PIGW:01;", "version number")]
    [InlineData("PIGW:;", "version number")]
    [InlineData("PIGW:1", "version number")]
    [InlineData("PIGW:1;S:{code};N:n;", "field M")]
    [InlineData("PIGW:1;M:01:00:5E:00:00:01;S:{code};N:n;", "field M")]
    [InlineData("PIGW:1;M:B8:27:EB:12:34:56;N:n;", "field S (the setup code) is missing")]
    [InlineData("PIGW:1;M:B8:27:EB:12:34:56;S:{code};", "field N")]
    [InlineData("PIGW:1;M:B8:27:EB:12:34:56;S:{code};N:;", "field N")]
    [InlineData("PIGW:1;M:B8:27:EB:12:34:56;S:{code};N:this-ssid-is-longer-than-32-bytes!;", "field N")]
    [InlineData("PIGW:1;M:B8:27:EB:12:34:56;S:{code};N:n;N:m;", "field N appears twice")]
    [InlineData("PIGW:1;M:B8:27:EB:12:34:56;S:{code};N:n", "field N does not end with ';'")]
    [InlineData("PIGW:1;M:B8:27:EB:12:34:56;S:{code};N:n\\;", "field N does not end with ';'")]
    [InlineData("PIGW:1;m:B8:27:EB:12:34:56;", "key of 1 to 8 upper-case letters")]
    [InlineData("PIGW:1;TOOLONGKEY:x;", "key of 1 to 8 upper-case letters")]
    public void Refuses_anything_else_with_a_reason(string template, string expected)
    {
        var text = template.Replace("{code}", SetupCodeSample.ToCanonicalString(), StringComparison.Ordinal);

        Assert.False(QrPayload.TryParse(text, out var payload, out var error));

        Assert.Null(payload);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => QrPayload.Parse(text));
    }

    [Fact]
    public void A_mistyped_setup_code_is_refused_without_being_repeated()
    {
        var code = SetupCodeSample.ToCanonicalString();
        var wrong = code[..^1] + (code[^1] == '0' ? '1' : '0');

        Assert.False(QrPayload.TryParse($"PIGW:1;M:B8:27:EB:12:34:56;S:{wrong};N:n;", out _, out var error));

        Assert.Contains("check symbol", error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong[..6], error, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_oversized_text_and_null()
    {
        Assert.False(QrPayload.TryParse(null, out _, out _));
        Assert.False(QrPayload.TryParse("PIGW:1;X:" + new string('a', 600) + ";", out _, out var error));
        Assert.Contains("512", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Prints_without_the_setup_code()
    {
        var payload = new QrPayload("B8:27:EB:12:34:56", SetupCodeSample, "pi_gateway_123456");

        Assert.Equal("QrPayload { Mac = B8:27:EB:12:34:56, SetupCode = ***, Ssid = pi_gateway_123456 }", payload.ToString());
        Assert.DoesNotContain(SetupCodeSample.ToCanonicalString()[..6], $"{payload}", StringComparison.Ordinal);
    }

    [Fact]
    public void Construction_checks_the_mac_and_ssid()
    {
        Assert.Throws<ArgumentException>(() => new QrPayload("nope", SetupCodeSample, "ssid"));
        Assert.Throws<ArgumentException>(() => new QrPayload("B8:27:EB:12:34:56", SetupCodeSample, "bad\nssid"));
        Assert.Throws<ArgumentException>(() => new QrPayload("B8:27:EB:12:34:56", SetupCodeSample, new string('x', 33)));
    }
}
