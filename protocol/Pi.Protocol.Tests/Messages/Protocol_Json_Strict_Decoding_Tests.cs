using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Messages;

public sealed class Protocol_Json_Strict_Decoding_Tests
{
    private const string ValidDeviceInfo =
        "{\"ip\":\"192.168.4.1\",\"tcpPort\":4433,\"joined\":false,\"mac\":\"AA:BB:CC:DD:EE:0F\",\"sn\":\"SN-1\",\"uuid\":\"6f1c2a9e-3b7d-4c1e-9a5f-0d2b8e4c7a10\",\"resetFlag\":false}";

    private const string ValidRegistration =
        "{\"tid\":\"gw-1\",\"password\":\"0123456789abcdef\",\"accessKey\":\"AQIDBAUGBwgJCgsMDQ4PEA==\",\"localKey\":\"AgMEBQYHCAkKCwwNDg8QEQ==\",\"keyId\":1,"
        + "\"keyExpiresAt\":\"2031-01-01T00:00:00Z\",\"serviceExpiresAt\":\"2031-01-01T00:00:00Z\"}";

    private static ProvisioningMessage Provisioning(ProvisioningFrameType type, string json) =>
        ProtocolJson.DeserializeProvisioning(type, Utf8(json));

    private static SessionMessage Session(string json) => ProtocolJson.DeserializeSession(Utf8(json));

    [Fact]
    public void The_valid_baselines_decode()
    {
        Assert.IsType<DeviceInfo>(Provisioning(ProvisioningFrameType.DeviceInfo, ValidDeviceInfo));
        Assert.IsType<RegistrationInfo>(Provisioning(ProvisioningFrameType.RegistrationInfo, ValidRegistration));
    }

    [Theory]
    [InlineData(ProvisioningFrameType.SearchDevice, "{}")]
    [InlineData(ProvisioningFrameType.SearchDevice, "{\"Mac\":\"AA:BB:CC:DD:EE:0F\"}")] // member names are case-sensitive
    [InlineData(ProvisioningFrameType.DeviceInfo, "{\"ip\":\"192.168.4.1\"}")]
    [InlineData(ProvisioningFrameType.SsidList, "{}")]
    [InlineData(ProvisioningFrameType.SsidList, "{\"networks\":[{\"ssid\":\"a\",\"signal\":-1}]}")]
    [InlineData(ProvisioningFrameType.WifiCredentials, "{\"ssid\":\"HomeNet\"}")]
    [InlineData(ProvisioningFrameType.WifiResult, "{\"reason\":\"timeout\"}")]
    [InlineData(ProvisioningFrameType.RegistrationAck, "{}")]
    [InlineData(ProvisioningFrameType.Error, "{\"code\":\"busy\"}")]
    public void A_missing_required_member_is_a_missing_field(ProvisioningFrameType type, string json) =>
        Throws(ProtocolErrorCode.MissingField, () => Provisioning(type, json));

    [Theory]
    [InlineData("{\"type\":\"ack\"}")]
    [InlineData("{\"type\":\"request\",\"txn\":\"t\"}")]
    [InlineData("{\"type\":\"response\",\"txn\":\"t\"}")]
    [InlineData("{\"type\":\"keyRotation\",\"txn\":\"t\",\"keyId\":1}")]
    [InlineData("{\"type\":\"error\",\"txn\":\"t\",\"code\":\"busy\"}")]
    public void A_missing_required_session_member_is_a_missing_field(string json) =>
        Throws(ProtocolErrorCode.MissingField, () => Session(json));

    [Fact]
    public void Missing_required_login_and_link_members_are_missing_fields()
    {
        Throws(ProtocolErrorCode.MissingField, () => ProtocolJson.Deserialize<LoginChallenge>(Utf8("{\"tid\":\"gw-1\",\"challenge\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}")));
        Throws(ProtocolErrorCode.MissingField, () => ProtocolJson.Deserialize<LoginReply>(Utf8("{\"sessionKeyId\":1}")));
        Throws(ProtocolErrorCode.MissingField, () => ProtocolJson.Deserialize<LinkHello>(Utf8("{}")));
        Throws(ProtocolErrorCode.MissingField, () => ProtocolJson.Deserialize<LinkWelcome>(Utf8("{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}")));
    }

    [Fact]
    public void Optional_members_may_be_absent_or_null()
    {
        Assert.False(Assert.IsType<GetSsidList>(Provisioning(ProvisioningFrameType.GetSsidList, "{}")).Rescan);
        Assert.Null(Assert.IsType<SearchDevice>(Provisioning(ProvisioningFrameType.SearchDevice, "{\"mac\":\"AA:BB:CC:DD:EE:0F\",\"random\":null}")).Random);
        Assert.Null(Assert.IsType<DeviceInfo>(Provisioning(ProvisioningFrameType.DeviceInfo, ValidDeviceInfo.Replace("}", ",\"hash\":null}", StringComparison.Ordinal))).Hash);
        Assert.Null(Assert.IsType<SessionError>(Session("{\"type\":\"error\",\"code\":\"busy\",\"message\":\"\"}")).Txn);
        Assert.Null(Assert.IsType<SessionRequest>(Session("{\"type\":\"request\",\"txn\":\"t\",\"command\":\"c\",\"args\":null}")).Args);
    }

    [Theory]
    [InlineData(ProvisioningFrameType.SearchDevice, "{\"mac\":null}")]
    [InlineData(ProvisioningFrameType.WifiCredentials, "{\"ssid\":\"a\",\"password\":null}")]
    [InlineData(ProvisioningFrameType.SsidList, "{\"networks\":null}")]
    [InlineData(ProvisioningFrameType.SsidList, "{\"networks\":[null]}")]
    [InlineData(ProvisioningFrameType.RegistrationAck, "{\"tid\":null}")]
    public void Null_for_a_required_member_is_a_missing_field(ProvisioningFrameType type, string json) =>
        Throws(ProtocolErrorCode.MissingField, () => Provisioning(type, json));

    [Fact]
    public void Null_for_required_keys_and_session_members_is_a_missing_field()
    {
        Throws(ProtocolErrorCode.MissingField, () => Provisioning(ProvisioningFrameType.RegistrationInfo, ValidRegistration.Replace("\"AQIDBAUGBwgJCgsMDQ4PEA==\"", "null", StringComparison.Ordinal)));
        Throws(ProtocolErrorCode.MissingField, () => Session("{\"type\":\"ack\",\"txn\":null}"));
    }

    [Theory]
    [InlineData("\"tcpPort\":4433", "\"tcpPort\":null")] // a null number
    [InlineData("\"tcpPort\":4433", "\"tcpPort\":\"4433\"")] // a number in a string
    [InlineData("\"tcpPort\":4433", "\"tcpPort\":4433.0")]
    [InlineData("\"tcpPort\":4433", "\"tcpPort\":1e3")]
    [InlineData("\"tcpPort\":4433", "\"tcpPort\":99999999999")]
    [InlineData("\"joined\":false", "\"joined\":\"false\"")]
    [InlineData("\"joined\":false", "\"joined\":0")]
    [InlineData("\"mac\":\"AA:BB:CC:DD:EE:0F\"", "\"mac\":12")]
    [InlineData("\"mac\":\"AA:BB:CC:DD:EE:0F\"", "\"mac\":[\"AA\"]")]
    [InlineData("\"sn\":\"SN-1\"", "\"sn\":{}")]
    public void Wrong_json_types_are_malformed(string member, string replacement) =>
        Throws(ProtocolErrorCode.MalformedJson, () => Provisioning(ProvisioningFrameType.DeviceInfo, ValidDeviceInfo.Replace(member, replacement, StringComparison.Ordinal)));

    [Theory]
    [InlineData("\"keyId\":1", "\"keyId\":-1")]
    [InlineData("\"keyId\":1", "\"keyId\":4294967296")]
    [InlineData("\"keyExpiresAt\":\"2031-01-01T00:00:00Z\"", "\"keyExpiresAt\":\"next year\"")]
    [InlineData("\"keyExpiresAt\":\"2031-01-01T00:00:00Z\"", "\"keyExpiresAt\":1924992000")]
    [InlineData("\"accessKey\":\"AQIDBAUGBwgJCgsMDQ4PEA==\"", "\"accessKey\":\"0102030405060708090A0B0C0D0E0F10\"")]
    [InlineData("\"accessKey\":\"AQIDBAUGBwgJCgsMDQ4PEA==\"", "\"accessKey\":\"AQIDBAUGBwgJCgsMDQ4P\"")]
    public void Wrong_values_for_numbers_dates_and_keys_are_malformed(string member, string replacement) =>
        Throws(ProtocolErrorCode.MalformedJson, () => Provisioning(ProvisioningFrameType.RegistrationInfo, ValidRegistration.Replace(member, replacement, StringComparison.Ordinal)));

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"AA:BB:CC:DD:EE:0F\"")]
    [InlineData("{\"mac\":\"AA:BB:CC:DD:EE:0F\"} x")]
    [InlineData("{\"mac\":\"AA:BB:CC:DD:EE:0F\"}{}")]
    [InlineData("{\"mac\":\"AA:BB:CC:DD:EE:0F\"")]
    [InlineData("{\"mac\":\"AA:BB:CC:DD:EE:0F\",}")]
    [InlineData("{/* comment */\"mac\":\"AA:BB:CC:DD:EE:0F\"}")]
    [InlineData("{'mac':'AA:BB:CC:DD:EE:0F'}")]
    [InlineData("\ufeff{\"mac\":\"AA:BB:CC:DD:EE:0F\"}")]
    public void Input_that_is_not_exactly_one_json_object_is_malformed(string json) =>
        Throws(ProtocolErrorCode.MalformedJson, () => Provisioning(ProvisioningFrameType.SearchDevice, json));

    [Fact]
    public void Invalid_utf8_is_malformed()
    {
        byte[] inString = [.. "{\"mac\":\"AA:BB:CC:DD:EE:0"u8, 0xC3, 0x28, .. "\"}"u8];
        byte[] inStructure = [.. "{\"mac\":\"AA:BB:CC:DD:EE:0F\""u8, 0xFF, .. "}"u8];
        byte[] overlong = [.. "{\"mac\":\"AA:BB:CC:DD:EE:0"u8, 0xC0, 0xAF, .. "\"}"u8];
        foreach (var bytes in new[] { inString, inStructure, overlong })
        {
            Throws(ProtocolErrorCode.MalformedJson, () => ProtocolJson.DeserializeProvisioning(ProvisioningFrameType.SearchDevice, bytes));
        }
    }

    [Fact]
    public void Nesting_deeper_than_16_is_malformed()
    {
        static string Request(int depth) =>
            "{\"type\":\"request\",\"txn\":\"t\",\"command\":\"c\",\"args\":" + new string('[', depth) + new string(']', depth) + "}";
        Assert.IsType<SessionRequest>(Session(Request(15))); // 16 levels with the outer object
        Throws(ProtocolErrorCode.MalformedJson, () => Session(Request(16)));
        Throws(ProtocolErrorCode.MalformedJson, () => Session(Request(1000)));
    }

    [Theory]
    [InlineData("{\"type\":\"nope\",\"txn\":\"t\"}")]
    [InlineData("{\"type\":\"Ack\",\"txn\":\"t\"}")]
    [InlineData("{\"type\":\"\",\"txn\":\"t\"}")]
    [InlineData("{\"type\":1,\"txn\":\"t\"}")]
    [InlineData("{\"type\":null,\"txn\":\"t\"}")]
    [InlineData("{\"txn\":\"t\"}")]
    [InlineData("{\"type\":\"ack\",\"type\":\"logout\",\"txn\":\"t\"}")]
    public void An_unknown_missing_or_repeated_type_discriminator_is_malformed(string json) =>
        Throws(ProtocolErrorCode.MalformedJson, () => Session(json));

    [Fact]
    public void The_type_discriminator_may_come_after_other_members() =>
        Assert.IsType<Logout>(Session("{\"txn\":\"t-1\",\"type\":\"logout\"}"));

    [Fact]
    public void Duplicate_members_are_malformed()
    {
        Throws(ProtocolErrorCode.MalformedJson, () => Provisioning(ProvisioningFrameType.SearchDevice, "{\"mac\":\"AA:BB:CC:DD:EE:0F\",\"mac\":\"AA:BB:CC:DD:EE:0F\"}"));
        Throws(ProtocolErrorCode.MalformedJson, () => Provisioning(ProvisioningFrameType.WifiCredentials, "{\"ssid\":\"a\",\"password\":\"x\",\"password\":\"y\"}"));
        Throws(ProtocolErrorCode.MalformedJson, () => Session("{\"type\":\"ack\",\"txn\":\"a\",\"txn\":\"b\"}"));
        Throws(ProtocolErrorCode.MalformedJson, () => ProtocolJson.Deserialize<LinkHello>(Utf8("{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}")));
    }

    [Fact]
    public void Unknown_members_are_ignored()
    {
        Assert.Equal(Mac, Assert.IsType<SearchDevice>(Provisioning(ProvisioningFrameType.SearchDevice, "{\"future\":[1,{\"x\":null}],\"mac\":\"AA:BB:CC:DD:EE:0F\",\"frameType\":9}")).Mac);
        var list = Assert.IsType<SsidList>(Provisioning(ProvisioningFrameType.SsidList, "{\"networks\":[{\"ssid\":\"a\",\"signal\":-1,\"security\":\"open\",\"band\":\"5GHz\"}]}"));
        Assert.Equal("a", list.Networks[0].Ssid);
        Assert.IsType<Ack>(Session("{\"type\":\"ack\",\"txn\":\"t\",\"extra\":true}"));
        Assert.Equal("gw-1", ProtocolJson.Deserialize<LoginChallengeRequest>(Utf8("{\"tid\":\"gw-1\",\"version\":3}")).Tid);
    }

    [Theory]
    [InlineData("400")]
    [InlineData("\"400\"")]
    [InlineData("\"BUSY\"")]
    [InlineData("\"Busy\"")]
    [InlineData("\" busy\"")]
    [InlineData("\"busy, timeout\"")]
    [InlineData("\"nope\"")]
    [InlineData("\"\"")]
    [InlineData("null")]
    public void Error_codes_are_read_only_by_their_exact_name(string code) =>
        Throws(ProtocolErrorCode.MalformedJson, () => Provisioning(ProvisioningFrameType.Error, $"{{\"code\":{code},\"message\":\"m\"}}"));

    [Theory]
    [InlineData("3")]
    [InlineData("\"WPA2-PSK\"")]
    [InlineData("\"wep, wpa-psk\"")] // would OR to wpa2-psk with a lenient converter
    [InlineData("\"wpa2_psk\"")]
    public void Wifi_security_is_read_only_by_its_exact_name(string security) =>
        Throws(ProtocolErrorCode.MalformedJson, () => Provisioning(ProvisioningFrameType.SsidList, $"{{\"networks\":[{{\"ssid\":\"a\",\"signal\":-1,\"security\":{security}}}]}}"));

    [Theory]
    [InlineData("0")]
    [InlineData("\"wrong-password\"")]
    [InlineData("\"WrongPassword\"")]
    public void Wifi_failures_are_read_only_by_their_exact_name(string reason) =>
        Throws(ProtocolErrorCode.MalformedJson, () => Provisioning(ProvisioningFrameType.WifiResult, $"{{\"joined\":false,\"reason\":{reason}}}"));

    [Fact]
    public void An_undefined_frame_type_is_unknown() =>
        Throws(ProtocolErrorCode.UnknownFrameType, () => ProtocolJson.DeserializeProvisioning((ProvisioningFrameType)12, Utf8("{}")));

    [Fact]
    public void Decoding_validates_the_message() =>
        Throws(ProtocolErrorCode.InvalidField, () => Provisioning(ProvisioningFrameType.SearchDevice, "{\"mac\":\"aa:bb:cc:dd:ee:0f\"}"));
}
