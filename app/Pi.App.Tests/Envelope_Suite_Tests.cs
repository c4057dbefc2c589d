using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;

namespace Pi.App.Tests;

public sealed class Envelope_Suite_Tests
{
    private const string Request = """{"type":"request","txn":"t1","command":"setLed","args":{"on":true}}""";

    [Fact]
    public async Task Encode_then_decode_gives_back_the_plaintext_and_the_header()
    {
        var key = TestKeys.NewKeyHex();
        var sealedForm = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", key, "--key-id", "7", "--direction", "cloud-to-gateway", "--tid", "gw-1", "--did", "lamp_2", "--counter", "41", Request)).Line;

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, sealedForm);

        Assert.Equal(Request, decoded.Field("plaintext"));
        Assert.Equal("cloud-to-gateway (4)", decoded.Field("direction"));
        Assert.Equal("7", decoded.Field("key id"));
        Assert.Equal("41", decoded.Field("counter"));
        Assert.Equal("gw-1", decoded.Field("tid"));
        Assert.Equal("lamp_2", decoded.Field("did"));
        Assert.Equal("request (session message)", decoded.Field("message"));
        Assert.Equal("2", decoded.Field("envelope")[1..2]);
    }

    [Fact]
    public async Task Encode_prints_base64_by_default_and_hex_on_request_and_both_decode()
    {
        var key = TestKeys.NewKeyBase64();
        var base64 = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", key, "--key-id", "1", "--direction", "gateway-to-cloud", "--tid", "gw", Request)).Line;
        var hex = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", key, "--key-id", "1", "--direction", "gateway-to-cloud", "--tid", "gw", "--out", "hex", Request)).Line;

        Assert.StartsWith("UEUC", base64, StringComparison.Ordinal);
        Assert.StartsWith("504502", hex, StringComparison.Ordinal);
        Assert.Equal(Request, (await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, base64)).Field("plaintext"));
        Assert.Equal(Request, (await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, hex)).Field("plaintext"));
    }

    [Fact]
    public async Task What_the_tool_seals_opens_with_a_real_EnvelopeOpener()
    {
        var key = TestKeys.NewKeyHex();
        var sealedForm = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", key, "--key-id", "9", "--direction", "subdevice-to-gateway", "--did", "sensor-1", Request)).Line;

        using var opener = new EnvelopeOpener(SymmetricKey.Parse(key), 9, Direction.SubDeviceToGateway, did: "sensor-1");
        var opened = opener.Open(Convert.FromBase64String(sealedForm));

        Assert.Equal(Request, Encoding.UTF8.GetString(opened.Plaintext));
    }

    [Fact]
    public async Task Decode_opens_what_a_real_EnvelopeSealer_sealed()
    {
        var key = SymmetricKey.Generate();
        using var sealer = new EnvelopeSealer(key, 3, Direction.GatewayToCloud);
        var envelope = sealer.Seal(Encoding.UTF8.GetBytes("""{"type":"logout","txn":"bye"}"""), "gw7");

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key.ToBase64(), Convert.ToHexStringLower(envelope));

        Assert.Equal("logout (session message)", decoded.Field("message"));
        Assert.Equal("gateway-to-cloud (3)", decoded.Field("direction"));
    }

    [Fact]
    public async Task A_wrong_key_fails_authentication_with_exit_code_2_after_printing_the_header()
    {
        var sealedForm = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), "--key-id", "5", "--direction", "gateway-to-cloud", "--tid", "gw", Request)).Line;

        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), sealedForm);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: authentication_failed: ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("5", result.Field("key id"));
        Assert.DoesNotContain("plaintext", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_envelope_fails_authentication()
    {
        var key = TestKeys.NewKeyHex();
        var hex = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", key, "--key-id", "5", "--direction", "gateway-to-cloud", "--tid", "gw", "--out", "hex", Request)).Line;
        var tampered = hex[..^2] + (hex[^2..] == "00" ? "01" : "00");

        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", key, tampered);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("authentication_failed", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_that_are_not_an_envelope_are_a_protocol_error()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), "00112233");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: truncated: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plaintext_that_is_not_text_prints_as_hex_and_out_forces_a_form()
    {
        var key = TestKeys.NewKeyHex();
        var sealedForm = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", key, "--key-id", "1", "--direction", "gateway-to-cloud", "--tid", "gw", "--in", "hex", "00ff10")).Line;

        Assert.Equal("00ff10", (await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, sealedForm)).Field("plaintext"));
        Assert.Equal("AP8Q", (await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, "--out", "base64", sealedForm)).Field("plaintext"));
        Assert.StartsWith("not a known session message", (await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, sealedForm)).Field("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encoding_an_unknown_message_warns_but_seals()
    {
        var result = await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), "--key-id", "1", "--direction", "gateway-to-cloud", "--tid", "gw", "hello");

        Assert.StartsWith("warning: the plaintext is not a known", result.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("UEUC", result.Line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_login_request_is_recognised()
    {
        var key = TestKeys.NewKeyHex();
        var login = $$"""{"tid":"gw1","password":"0123456789abcdef0123","challenge":"{{Convert.ToBase64String(new byte[16])}}"}""";
        var sealedForm = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", key, "--key-id", "1", "--direction", "gateway-to-cloud", "--tid", "gw1", login)).Line;

        Assert.Equal("loginRequest (login message)", (await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, sealedForm)).Field("message"));
    }

    [Theory]
    [InlineData("--direction", "gateway-to-cloud", "--tid", "gw")]
    [InlineData("--key-id", "1", "--tid", "gw")]
    [InlineData("--key-id", "1", "--direction", "gateway-to-cloud")]
    public async Task Encode_without_a_required_v2_option_is_a_usage_error(string option1, string value1, string option2, string value2)
    {
        var result = await CliRunner.RunAsync("encode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), option1, value1, option2, value2, Request);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: --suite v2 needs", result.Stderr, StringComparison.Ordinal);
    }
}
