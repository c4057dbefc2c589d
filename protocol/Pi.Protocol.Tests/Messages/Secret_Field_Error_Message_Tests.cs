using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Messages;

/// <summary>Decoding errors name the field, never its value, so a rejected password or key never reaches a log.</summary>
public sealed class Secret_Field_Error_Message_Tests
{
    private static void AssertNotEchoed(ProtocolErrorCode code, string secret, Action decode)
    {
        var ex = Throws(code, decode);
        Assert.DoesNotContain(secret, ex.Message, StringComparison.Ordinal);
    }

    private static Action Provisioning(ProvisioningFrameType type, string json) =>
        () => ProtocolJson.DeserializeProvisioning(type, Utf8(json));

    private static string Registration(string password = "\"0123456789abcdef\"", string accessKey = "\"AQIDBAUGBwgJCgsMDQ4PEA==\"") =>
        $"{{\"tid\":\"gw-1\",\"password\":{password},\"accessKey\":{accessKey},\"localKey\":\"AgMEBQYHCAkKCwwNDg8QEQ==\",\"keyId\":1,"
        + "\"keyExpiresAt\":\"2031-01-01T00:00:00Z\",\"serviceExpiresAt\":\"2031-01-01T00:00:00Z\"}";

    [Fact]
    public void A_password_of_the_wrong_type() =>
        AssertNotEchoed(ProtocolErrorCode.MalformedJson, "12345678", Provisioning(ProvisioningFrameType.WifiCredentials, "{\"ssid\":\"HomeNet\",\"password\":12345678}"));

    [Fact]
    public void A_password_that_is_too_long_or_has_control_characters()
    {
        var longPassword = "Sup3rSecretRouterPassword" + new string('x', 120);
        AssertNotEchoed(ProtocolErrorCode.InvalidField, longPassword, Provisioning(ProvisioningFrameType.WifiCredentials, $"{{\"ssid\":\"HomeNet\",\"password\":\"{longPassword}\"}}"));
        AssertNotEchoed(ProtocolErrorCode.InvalidField, "Sup3rSecret", Provisioning(ProvisioningFrameType.WifiCredentials, "{\"ssid\":\"HomeNet\",\"password\":\"Sup3rSecret\\u0007\"}"));
    }

    [Fact]
    public void A_registration_password_that_is_too_short() =>
        AssertNotEchoed(ProtocolErrorCode.InvalidField, "short-secret", Provisioning(ProvisioningFrameType.RegistrationInfo, Registration(password: "\"short-secret\"")));

    [Fact]
    public void A_password_with_invalid_utf8()
    {
        byte[] json = [.. "{\"ssid\":\"HomeNet\",\"password\":\"Sup3rSecret"u8, 0xFF, .. "\"}"u8];
        var ex = Throws(ProtocolErrorCode.MalformedJson, () => ProtocolJson.DeserializeProvisioning(ProvisioningFrameType.WifiCredentials, json));
        Assert.DoesNotContain("Sup3rSecret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"c2VjcmV0LWtleQ==\"", "c2VjcmV0LWtleQ")] // 10 bytes
    [InlineData("\"0102030405060708090A0B0C0D0E0F10\"", "0102030405060708090A0B0C0D0E0F10")] // hex is not the JSON form
    [InlineData("\"AQIDBAUGBwgJCgsMDQ4PEA=!\"", "AQIDBAUGBwgJCgsMDQ4PEA")]
    [InlineData("1234567890123456", "1234567890123456")]
    public void An_invalid_key(string value, string secret) =>
        AssertNotEchoed(ProtocolErrorCode.MalformedJson, secret, Provisioning(ProvisioningFrameType.RegistrationInfo, Registration(accessKey: value)));

    [Fact]
    public void Equal_access_and_local_keys()
    {
        var json = Registration(accessKey: "\"AgMEBQYHCAkKCwwNDg8QEQ==\"");
        AssertNotEchoed(ProtocolErrorCode.InvalidField, "AgMEBQYHCAkKCwwNDg8QEQ", Provisioning(ProvisioningFrameType.RegistrationInfo, json));
    }

    [Fact]
    public void A_session_token_of_the_wrong_type_or_size()
    {
        const string prefix = "{\"sessionKeyId\":1,\"sessionKey\":\"AQIDBAUGBwgJCgsMDQ4PEA==\",\"sessionToken\":";
        const string suffix = ",\"sessionExpiresAt\":\"2031-01-01T00:00:00Z\",\"keyExpiresAt\":\"2031-01-01T00:00:00Z\",\"serviceExpiresAt\":\"2031-01-01T00:00:00Z\"}";
        AssertNotEchoed(ProtocolErrorCode.MalformedJson, "987654321987654321", () => ProtocolJson.Deserialize<LoginReply>(Utf8(prefix + "987654321987654321" + suffix)));
        AssertNotEchoed(ProtocolErrorCode.InvalidField, "tok-secret", () => ProtocolJson.Deserialize<LoginReply>(Utf8(prefix + "\"tok-secret\"" + suffix)));
    }

    [Fact]
    public void A_login_password_that_is_too_short() =>
        AssertNotEchoed(ProtocolErrorCode.InvalidField, "hunter2", () => ProtocolJson.Deserialize<LoginRequest>(Utf8("{\"tid\":\"gw-1\",\"password\":\"hunter2\",\"challenge\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}")));
}
