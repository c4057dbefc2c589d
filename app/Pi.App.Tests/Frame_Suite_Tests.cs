using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.App.Tests;

public sealed class Frame_Suite_Tests
{
    private const string Search = """{"mac":"02:AB:CD:EF:01:23"}""";
    private const string Ssids = """{"networks":[{"ssid":"Home","signal":-40,"security":"wpa2-psk"}]}""";

    [Fact]
    public async Task A_searchDevice_sealed_with_a_setup_code_opens_with_the_same_code()
    {
        var code = TestKeys.NewSetupCode();
        var encoded = await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "searchDevice", "--setup-code", code, Search);

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "frame", "--setup-code", code, encoded.Line);

        Assert.Equal(Search, decoded.Field("plaintext"));
        Assert.Equal("searchDevice (1)", decoded.Field("type"));
        Assert.Equal("app (1)", decoded.Field("sender"));
        Assert.Equal("searchDevice (valid)", decoded.Field("message"));
        Assert.StartsWith("v2 provisioning frame (datagram, detected)", decoded.Field("frame"), StringComparison.Ordinal);
        // The generated public key is printed by encode and found in the frame by decode.
        Assert.Contains(decoded.Field("public key"), encoded.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_searchDevice_opens_only_with_its_own_setup_code()
    {
        var encoded = await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "searchDevice", "--setup-code", TestKeys.NewSetupCode(), Search);

        var result = await CliRunner.RunAsync("decode", "--suite", "frame", "--setup-code", TestKeys.NewSetupCode(), encoded.Line);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: authentication_failed: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_mode_frames_carry_the_flag_and_refuse_a_setup_code()
    {
        var encoded = await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "searchDevice", "--open-mode", Search);

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "frame", "--open-mode", encoded.Line);
        var mismatch = await CliRunner.RunAsync("decode", "--suite", "frame", "--setup-code", TestKeys.NewSetupCode(), encoded.Line);

        Assert.Equal("open-mode (0x01)", decoded.Field("flags"));
        Assert.Equal(Search, decoded.Field("plaintext"));
        Assert.Equal(2, mismatch.ExitCode);
        Assert.StartsWith("error: security_mode_mismatch: ", mismatch.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_searchDevice_from_a_real_APP_channel_decodes_with_the_setup_code()
    {
        var code = SetupCode.Generate();
        using var app = EphemeralKeyPair.Generate();
        var searchKey = KeyDerivation.DeriveSearchKey(app.PublicKey, ProvisioningSecret.FromSetupCode(code));
        using var channel = new ProvisioningChannel(searchKey, ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);
        var datagram = channel.Seal(new SearchDevice("02:00:00:00:00:01", new byte[16]), app.PublicKey);

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "frame", "--setup-code", code.ToDisplayString(), Convert.ToBase64String(datagram));

        Assert.Equal(Convert.ToHexStringLower(app.PublicKey), decoded.Field("public key"));
        Assert.Contains("\"mac\":\"02:00:00:00:00:01\"", decoded.Field("plaintext"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_frame_from_the_tool_opens_with_a_real_gateway_channel()
    {
        var key = SymmetricKey.Generate();
        using var gatewayKeys = EphemeralKeyPair.Generate();
        var frame = (await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "getSsidList", "--key", key.ToBase64(), "--public-key", Convert.ToHexStringLower(gatewayKeys.PublicKey), """{"rescan":true}""")).Line;

        using var gateway = new ProvisioningChannel(key, ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: false);
        var frames = new StreamFrameDecoder().Push(Convert.FromBase64String(frame));

        Assert.Equal(new GetSsidList(Rescan: true), Assert.Single(frames) is { } f ? gateway.Open(f) : null);
    }

    [Fact]
    public async Task The_stream_form_is_detected_and_the_bare_frame_needs_transport_stream()
    {
        var key = TestKeys.NewKeyHex();
        var hex = (await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "ssidList", "--key", key, "--out", "hex", Ssids)).Line;
        var bare = hex[8..];

        var prefixed = await CliRunner.RunOkAsync("decode", "--suite", "frame", "--key", key, hex);
        var guessedWrong = await CliRunner.RunAsync("decode", "--suite", "frame", "--key", key, bare);
        var told = await CliRunner.RunOkAsync("decode", "--suite", "frame", "--key", key, "--transport", "stream", bare);

        Assert.StartsWith("v2 provisioning frame (stream, 4-byte length prefix, detected)", prefixed.Field("frame"), StringComparison.Ordinal);
        Assert.Equal(Ssids, prefixed.Field("plaintext"));
        Assert.Equal(2, guessedWrong.ExitCode);
        Assert.Contains("--transport stream", guessedWrong.Stderr, StringComparison.Ordinal);
        Assert.Equal(Ssids, told.Field("plaintext"));
    }

    [Fact]
    public async Task A_stream_capture_with_several_frames_prints_each()
    {
        var key = SymmetricKey.Generate();
        using var gateway = new ProvisioningChannel(key, ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: false);
        var first = gateway.Seal(new SsidList([new SsidEntry("Home", -40, WifiSecurity.Wpa2Psk)]));
        var second = gateway.Seal(new WifiResult(true, Ip: "192.0.2.7"));

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "frame", "--key", key.ToBase64(), Convert.ToHexStringLower([.. first, .. second]));

        Assert.Contains("frame 1 of 2", decoded.Stdout, StringComparison.Ordinal);
        Assert.Contains("frame 2 of 2", decoded.Stdout, StringComparison.Ordinal);
        Assert.Contains("sequence   1", decoded.Stdout, StringComparison.Ordinal);
        Assert.Contains("wifiResult (valid)", decoded.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_frame_is_truncated()
    {
        var key = TestKeys.NewKeyHex();
        var hex = (await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "ssidList", "--key", key, "--out", "hex", Ssids)).Line;

        var result = await CliRunner.RunAsync("decode", "--suite", "frame", "--key", key, hex[..^4]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: truncated: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encode_validates_the_json_against_the_type_unless_raw()
    {
        var key = TestKeys.NewKeyHex();
        var invalid = """{"networks":[{"ssid":"Home","signal":40,"security":"wpa2-psk"}]}""";

        var refused = await CliRunner.RunAsync("encode", "--suite", "frame", "--type", "ssidList", "--key", key, invalid);
        var sealedRaw = await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "ssidList", "--key", key, "--raw", invalid);
        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "frame", "--key", key, sealedRaw.Line);

        Assert.Equal(2, refused.ExitCode);
        Assert.StartsWith("error: invalid_field: 'signal'", refused.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("INVALID ssidList: invalid_field", decoded.Field("message"), StringComparison.Ordinal);
        Assert.Contains("warning: the frame authenticates but", decoded.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encode_refuses_a_frame_its_sender_never_sends()
    {
        var result = await CliRunner.RunAsync("encode", "--suite", "frame", "--type", "searchDevice", "--sender", "gateway", "--key", TestKeys.NewKeyHex(), Search);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: unexpected_frame: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_datagram_needs_a_public_key()
    {
        var info = """{"ip":"192.168.4.1","tcpPort":10073,"joined":false,"mac":"02:AB:CD:EF:01:23","sn":"SN1","uuid":"0f8fad5b-d9cb-469f-a165-70867728950e","resetFlag":false}""";

        var result = await CliRunner.RunAsync("encode", "--suite", "frame", "--type", "deviceInfo", "--key", TestKeys.NewKeyHex(), info);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--public-key", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deviceInfo_from_the_tool_opens_with_a_real_APP_channel()
    {
        var key = SymmetricKey.Generate();
        using var gatewayKeys = EphemeralKeyPair.Generate();
        var info = """{"ip":"192.168.4.1","tcpPort":10073,"joined":false,"mac":"02:AB:CD:EF:01:23","sn":"SN1","uuid":"0f8fad5b-d9cb-469f-a165-70867728950e","resetFlag":false}""";
        var datagram = (await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "deviceInfo", "--key", key.ToBase64(), "--public-key", Convert.ToHexStringLower(gatewayKeys.PublicKey), "--counter", "3", info)).Line;

        using var app = new ProvisioningChannel(key, ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);
        var message = Assert.IsType<DeviceInfo>(app.Open(ProvisioningFrame.Parse(Convert.FromBase64String(datagram))));

        Assert.Equal("SN1", message.Sn);
    }

    [Fact]
    public async Task The_setup_code_derives_only_a_searchkey()
    {
        var encoded = await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "ssidList", "--key", TestKeys.NewKeyHex(), Ssids);

        var result = await CliRunner.RunAsync("decode", "--suite", "frame", "--setup-code", TestKeys.NewSetupCode(), encoded.Line);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("give its agreekey with --key", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistyped_setup_code_is_refused_without_echoing_it()
    {
        var code = TestKeys.NewSetupCode();
        var typo = code[..^1] + (code[^1] == '0' ? '1' : '0');

        var result = await CliRunner.RunAsync("encode", "--suite", "frame", "--type", "searchDevice", "--setup-code", typo, Search);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: invalid_setup_code: ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(typo, result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frame_types_are_matched_by_their_camel_case_names()
    {
        var key = TestKeys.NewKeyHex();
        var ack = (await CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "registrationAck", "--key", key, """{"tid":"gw1"}""")).Line;

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "frame", "--key", key, ack);

        Assert.Equal("registrationAck (8)", decoded.Field("type"));
        Assert.Equal("gateway (2)", decoded.Field("sender"));
        Assert.Equal("""{"tid":"gw1"}""", decoded.Field("plaintext"));
    }
}
