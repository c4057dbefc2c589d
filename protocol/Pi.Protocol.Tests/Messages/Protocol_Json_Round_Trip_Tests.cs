using System.Text;
using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.Messages.SampleMessages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Messages;

public sealed class Protocol_Json_Round_Trip_Tests
{
    public static TheoryData<string> Sample_names => [.. All.Keys];

    [Theory]
    [MemberData(nameof(Sample_names))]
    public void Every_message_round_trips(string name)
    {
        var (message, _) = All[name];
        var json = Encode(message);
        var decoded = Decode(message, json);
        Assert.IsType(message.GetType(), decoded);
        Assert.Equal(json, Encode(decoded));
    }

    [Theory]
    [MemberData(nameof(Sample_names))]
    public void Every_message_has_exactly_its_camel_case_members(string name)
    {
        var (message, members) = All[name];
        using var document = JsonDocument.Parse(Encode(message));
        Assert.Equal(members, document.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("request", "request")]
    [InlineData("response ok", "response")]
    [InlineData("resetUnbind", "resetUnbind")]
    [InlineData("resetUnbindResult", "resetUnbindResult")]
    [InlineData("subDeviceAdded", "subDeviceAdded")]
    [InlineData("subDeviceRemoved", "subDeviceRemoved")]
    [InlineData("keyRotation", "keyRotation")]
    [InlineData("keyRotationAck", "keyRotationAck")]
    [InlineData("ack", "ack")]
    [InlineData("logout", "logout")]
    [InlineData("error", "error")]
    public void Session_messages_lead_with_their_type_discriminator(string name, string type)
    {
        var message = (SessionMessage)All[name].Message;
        var json = Encoding.UTF8.GetString(ProtocolJson.Serialize(message));
        Assert.StartsWith($"{{\"type\":\"{type}\",", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_generic_overloads_keep_the_session_type_member()
    {
        var ack = new Ack("t-1");
        Assert.Equal("{\"type\":\"ack\",\"txn\":\"t-1\"}", Encoding.UTF8.GetString(ProtocolJson.Serialize(ack)));
        Assert.Equal(ack, ProtocolJson.Deserialize<Ack>(ProtocolJson.Serialize(ack)));
        Assert.Equal(ack, ProtocolJson.Deserialize<SessionMessage>(ProtocolJson.Serialize(ack)));
        Throws(ProtocolErrorCode.UnexpectedMessage, () => ProtocolJson.Deserialize<Ack>(Utf8("{\"type\":\"logout\",\"txn\":\"t-1\"}")));
        Throws(ProtocolErrorCode.MalformedJson, () => ProtocolJson.Deserialize<Ack>(Utf8("{\"txn\":\"t-1\"}")));
    }

    [Fact]
    public void The_generic_overload_encodes_provisioning_messages_like_their_own()
    {
        var search = new SearchDevice(Mac);
        Assert.Equal(ProtocolJson.Serialize((ProvisioningMessage)search), ProtocolJson.Serialize(search));
        Assert.Equal("{\"mac\":\"AA:BB:CC:DD:EE:0F\"}", Encoding.UTF8.GetString(ProtocolJson.Serialize(search)));
    }

    [Fact]
    public void Exact_json_of_provisioning_messages()
    {
        Assert.Equal(
            "{\"ip\":\"192.168.4.1\",\"tcpPort\":4433,\"joined\":true,\"mac\":\"AA:BB:CC:DD:EE:0F\",\"sn\":\"SN-1\",\"uuid\":\"6f1c2a9e-3b7d-4c1e-9a5f-0d2b8e4c7a10\",\"resetFlag\":false,"
            + "\"hash\":\"" + new string('a', 64) + "\",\"product\":\"pi-gw\",\"firmware\":\"2.0.1\"}",
            Encoding.UTF8.GetString(Encode(All["deviceInfo"].Message)));
        Assert.Equal("{\"networks\":[{\"ssid\":\"HomeNet\",\"signal\":-41,\"security\":\"wpa2-psk\"},{\"ssid\":\"Guest\",\"signal\":-90,\"security\":\"open\"}]}",
            Encoding.UTF8.GetString(Encode(All["ssidList"].Message)));
        Assert.Equal("{\"joined\":false,\"reason\":\"wrong_password\"}", Encoding.UTF8.GetString(Encode(All["wifiResult failed"].Message)));
        Assert.Equal("{\"code\":\"busy\",\"message\":\"another APP is provisioning\"}", Encoding.UTF8.GetString(Encode(All["provisioningError"].Message)));
        Assert.Equal("{\"ssid\":\"HomeNet\",\"password\":\"0123456789abcdef-pass\"}", Encoding.UTF8.GetString(Encode(All["wifiCredentials"].Message)));
    }

    [Fact]
    public void Keys_and_byte_fields_are_base64_and_times_are_iso_8601()
    {
        Assert.Equal(
            "{\"tid\":\"gw-1\",\"password\":\"0123456789abcdef-pass\",\"accessKey\":\"AQIDBAUGBwgJCgsMDQ4PEA==\",\"localKey\":\"AgMEBQYHCAkKCwwNDg8QEQ==\",\"keyId\":9,"
            + "\"keyExpiresAt\":\"2031-05-06T07:08:09+00:00\",\"serviceExpiresAt\":\"2032-05-06T07:08:09+00:00\",\"cloudUrl\":\"https://cloud.example.com\"}",
            Encoding.UTF8.GetString(Encode(All["registrationInfo"].Message)));
        Assert.Equal("{\"nonce\":\"YGFiY2RlZmdoaWprbG1ubw==\",\"keyId\":33}", Encoding.UTF8.GetString(Encode(All["linkWelcome"].Message)));
        Assert.Equal("{\"tid\":\"gw-1\",\"challenge\":\"QEFCQ0RFRkdISUpLTE1OTw==\",\"expiresAt\":\"2031-05-06T07:08:09+00:00\"}",
            Encoding.UTF8.GetString(Encode(All["loginChallenge"].Message)));
    }

    [Fact]
    public void Exact_json_of_session_messages()
    {
        Assert.Equal("{\"type\":\"request\",\"txn\":\"t-1\",\"command\":\"setLevel\",\"did\":\"lamp-1\",\"args\":{\"level\":5,\"ramp\":[1,2]}}",
            Encoding.UTF8.GetString(Encode(All["request"].Message)));
        Assert.Equal("{\"type\":\"response\",\"txn\":\"t-1\",\"ok\":false,\"error\":{\"code\":\"offline\",\"message\":\"lamp-1 is offline\"}}",
            Encoding.UTF8.GetString(Encode(All["response error"].Message)));
        Assert.Equal("{\"type\":\"error\",\"code\":\"internal\",\"message\":\"\"}", Encoding.UTF8.GetString(Encode(All["error without txn"].Message)));
    }

    [Theory]
    [InlineData(WifiSecurity.Open, "open")]
    [InlineData(WifiSecurity.Wep, "wep")]
    [InlineData(WifiSecurity.WpaPsk, "wpa-psk")]
    [InlineData(WifiSecurity.Wpa2Psk, "wpa2-psk")]
    [InlineData(WifiSecurity.Wpa3Sae, "wpa3-sae")]
    [InlineData(WifiSecurity.Wpa2Wpa3, "wpa2-wpa3")]
    [InlineData(WifiSecurity.Enterprise, "enterprise")]
    [InlineData(WifiSecurity.Other, "other")]
    public void Wifi_security_is_written_by_name(WifiSecurity security, string name)
    {
        var list = new SsidList([new SsidEntry("n", -1, security)]);
        var json = ProtocolJson.Serialize((ProvisioningMessage)list);
        Assert.Contains($"\"security\":\"{name}\"", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Equal(list, ProtocolJson.DeserializeProvisioning(list.FrameType, json));
    }

    [Theory]
    [InlineData(WifiFailure.WrongPassword, "wrong_password")]
    [InlineData(WifiFailure.NetworkNotFound, "network_not_found")]
    [InlineData(WifiFailure.Timeout, "timeout")]
    [InlineData(WifiFailure.NoIpAddress, "no_ip_address")]
    [InlineData(WifiFailure.UnsupportedSecurity, "unsupported_security")]
    [InlineData(WifiFailure.RadioError, "radio_error")]
    public void Wifi_failures_are_written_by_name(WifiFailure reason, string name)
    {
        var result = new WifiResult(false, reason);
        var json = ProtocolJson.Serialize((ProvisioningMessage)result);
        Assert.Equal($"{{\"joined\":false,\"reason\":\"{name}\"}}", Encoding.UTF8.GetString(json));
        Assert.Equal(result, ProtocolJson.DeserializeProvisioning(result.FrameType, json));
    }

    [Fact]
    public void Every_error_code_round_trips_by_its_wire_name()
    {
        foreach (var code in ProtocolErrors.All)
        {
            var error = new ProvisioningError(code, "m");
            var json = ProtocolJson.Serialize((ProvisioningMessage)error);
            Assert.Equal($"{{\"code\":\"{ProtocolErrors.Name(code)}\",\"message\":\"m\"}}", Encoding.UTF8.GetString(json));
            Assert.Equal(error, ProtocolJson.DeserializeProvisioning(error.FrameType, json));
        }
    }

    [Fact]
    public void Decoded_values_equal_the_originals()
    {
        var registration = (RegistrationInfo)All["registrationInfo"].Message;
        Assert.Equal(registration, Decode(registration, Encode(registration)));
        var reply = (LoginReply)All["loginReply"].Message;
        var decodedReply = (LoginReply)Decode(reply, Encode(reply));
        Assert.Equal(reply, decodedReply);
        Assert.Equal(Key(7), decodedReply.SessionKey);
        var hello = (LinkHello)Decode(All["linkHello"].Message, Encode(All["linkHello"].Message));
        Assert.Equal(Bytes(16, 0x50), hello.Nonce);
        var credentials = (WifiCredentials)Decode(All["wifiCredentials"].Message, Encode(All["wifiCredentials"].Message));
        Assert.Equal(Password, credentials.Password.Reveal());
    }

    [Fact]
    public void Non_ascii_text_round_trips()
    {
        var list = new SsidList([new SsidEntry("Caf\u00e9 \u2615 \U0001F600", -60, WifiSecurity.Wpa3Sae)]);
        Assert.Equal(list, ProtocolJson.DeserializeProvisioning(list.FrameType, ProtocolJson.Serialize((ProvisioningMessage)list)));
    }

    [Fact]
    public void A_null_message_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => ProtocolJson.Serialize((ProvisioningMessage)null!));
        Assert.Throws<ArgumentNullException>(() => ProtocolJson.Serialize((SessionMessage)null!));
        Assert.Throws<ArgumentNullException>(() => ProtocolJson.Serialize((LinkHello)null!));
    }

    [Fact]
    public void Secrets_are_written_in_clear_only_inside_the_json() =>
        Assert.Contains(Password, Encoding.UTF8.GetString(Encode(new LoginRequest("gw-1", new SecretString(Password), Bytes(16)))), StringComparison.Ordinal);
}
