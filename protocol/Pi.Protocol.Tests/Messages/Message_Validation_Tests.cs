using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.Messages.SampleMessages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Messages;

public sealed class Message_Validation_Tests
{
    private static readonly DeviceInfo Info = (DeviceInfo)All["deviceInfo"].Message;
    private static readonly RegistrationInfo Registration = (RegistrationInfo)All["registrationInfo"].Message;
    private static readonly LoginReply Reply = (LoginReply)All["loginReply"].Message;
    private static readonly SsidEntry Network = new("HomeNet", -41, WifiSecurity.Wpa2Psk);

    private static readonly Dictionary<string, (ProtocolErrorCode Code, Func<IProtocolMessage> Make)> Invalid = new()
    {
        ["mac lower case"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice("aa:bb:cc:dd:ee:0f")),
        ["mac mixed case"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice("AA:BB:CC:DD:EE:0f")),
        ["mac with hyphens"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice("AA-BB-CC-DD-EE-0F")),
        ["mac without separators"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice("AABBCCDDEE0F")),
        ["mac too short"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice("AA:BB:CC:DD:EE")),
        ["mac too long"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice("AA:BB:CC:DD:EE:0F:00")),
        ["mac not hex"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice("AA:BB:CC:DD:EE:0G")),
        ["mac null"] = (ProtocolErrorCode.MissingField, () => new SearchDevice(null!)),
        ["random of 15 bytes"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice(Mac, new byte[15])),
        ["random of 33 bytes"] = (ProtocolErrorCode.InvalidField, () => new SearchDevice(Mac, new byte[33])),
        ["ip not an address"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = "gateway.local" }),
        ["ip out of range"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = "256.0.0.1" }),
        ["ip with port"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = "192.168.4.1:80" }),
        ["ip empty"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = "" }),
        ["ip as one number"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = "3232236545" }),
        ["ip with two parts"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = "127.1" }),
        ["ip in hex"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = "0xc0.168.4.1" }),
        ["ip with a leading zero"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = "192.168.04.1" }),
        ["ip with spaces"] = (ProtocolErrorCode.InvalidField, () => Info with { Ip = " 192.168.4.1" }),
        ["tcpPort 0"] = (ProtocolErrorCode.InvalidField, () => Info with { TcpPort = 0 }),
        ["tcpPort 65536"] = (ProtocolErrorCode.InvalidField, () => Info with { TcpPort = 65536 }),
        ["sn empty"] = (ProtocolErrorCode.InvalidField, () => Info with { Sn = "" }),
        ["sn of 65 bytes"] = (ProtocolErrorCode.InvalidField, () => Info with { Sn = new string('s', 65) }),
        ["uuid not a uuid"] = (ProtocolErrorCode.InvalidField, () => Info with { Uuid = "not-a-uuid" }),
        ["uuid without hyphens"] = (ProtocolErrorCode.InvalidField, () => Info with { Uuid = Uuid.Replace("-", "", StringComparison.Ordinal) }),
        ["uuid in braces"] = (ProtocolErrorCode.InvalidField, () => Info with { Uuid = "{" + Uuid + "}" }),
        ["hash of 63 digits"] = (ProtocolErrorCode.InvalidField, () => Info with { Hash = new string('a', 63) }),
        ["hash of 65 digits"] = (ProtocolErrorCode.InvalidField, () => Info with { Hash = new string('a', 65) }),
        ["hash upper case"] = (ProtocolErrorCode.InvalidField, () => Info with { Hash = new string('A', 64) }),
        ["hash not hex"] = (ProtocolErrorCode.InvalidField, () => Info with { Hash = new string('g', 64) }),
        ["product empty"] = (ProtocolErrorCode.InvalidField, () => Info with { Product = "" }),
        ["firmware of 33 bytes"] = (ProtocolErrorCode.InvalidField, () => Info with { Firmware = new string('1', 33) }),
        ["ssid empty"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Ssid = "" }])),
        ["ssid of 33 bytes"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Ssid = new string('s', 33) }])),
        ["ssid of 33 utf-8 bytes in 11 characters"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Ssid = new string('\u20ac', 11) }])),
        ["ssid with a newline"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Ssid = "Home\nNet" }])),
        ["ssid with NUL"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Ssid = "Home\0" }])),
        ["ssid with DEL"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Ssid = "Home\u007f" }])),
        ["ssid with a lone surrogate"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Ssid = "Home\ud800" }])),
        ["signal above 0"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Signal = 1 }])),
        ["signal below -127"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Signal = -128 }])),
        ["security undefined"] = (ProtocolErrorCode.InvalidField, () => new SsidList([Network with { Security = (WifiSecurity)99 }])),
        ["101 networks"] = (ProtocolErrorCode.InvalidField, () => new SsidList([.. Enumerable.Repeat(Network, 101)])),
        ["a null network"] = (ProtocolErrorCode.MissingField, () => new SsidList([Network, null!])),
        ["networks null"] = (ProtocolErrorCode.MissingField, () => new SsidList(null!)),
        ["credentials ssid of 33 bytes"] = (ProtocolErrorCode.InvalidField, () => new WifiCredentials(new string('s', 33), new SecretString(""))),
        ["wifi password of 129 bytes"] = (ProtocolErrorCode.InvalidField, () => new WifiCredentials("HomeNet", new SecretString(new string('p', 129)))),
        ["wifi password of 129 utf-8 bytes"] = (ProtocolErrorCode.InvalidField, () => new WifiCredentials("HomeNet", new SecretString(new string('\u20ac', 43)))),
        ["wifi password with a control character"] = (ProtocolErrorCode.InvalidField, () => new WifiCredentials("HomeNet", new SecretString("pass\tword"))),
        ["wifi password null"] = (ProtocolErrorCode.MissingField, () => new WifiCredentials("HomeNet", null!)),
        ["joined with a reason"] = (ProtocolErrorCode.InvalidField, () => new WifiResult(true, WifiFailure.Timeout)),
        ["not joined without a reason"] = (ProtocolErrorCode.InvalidField, () => new WifiResult(false)),
        ["undefined reason"] = (ProtocolErrorCode.InvalidField, () => new WifiResult(false, (WifiFailure)42)),
        ["wifi result with a bad ip"] = (ProtocolErrorCode.InvalidField, () => new WifiResult(true, Ip: "1.2.3.4.5")),
        ["registration tid empty"] = (ProtocolErrorCode.InvalidId, () => Registration with { Tid = "" }),
        ["registration tid of 65 characters"] = (ProtocolErrorCode.InvalidId, () => Registration with { Tid = new string('t', 65) }),
        ["registration tid with a slash"] = (ProtocolErrorCode.InvalidId, () => Registration with { Tid = "gw/1" }),
        ["registration tid with a wildcard"] = (ProtocolErrorCode.InvalidId, () => Registration with { Tid = "gw+" }),
        ["registration tid null"] = (ProtocolErrorCode.MissingField, () => Registration with { Tid = null! }),
        ["registration password of 15 bytes"] = (ProtocolErrorCode.InvalidField, () => Registration with { Password = new SecretString(new string('p', 15)) }),
        ["registration password of 129 bytes"] = (ProtocolErrorCode.InvalidField, () => Registration with { Password = new SecretString(new string('p', 129)) }),
        ["access key equals local key"] = (ProtocolErrorCode.InvalidField, () => Registration with { LocalKey = Key(1) }),
        ["access key null"] = (ProtocolErrorCode.MissingField, () => Registration with { AccessKey = null! }),
        ["cloudUrl ftp"] = (ProtocolErrorCode.InvalidField, () => Registration with { CloudUrl = "ftp://cloud.example.com" }),
        ["cloudUrl relative"] = (ProtocolErrorCode.InvalidField, () => Registration with { CloudUrl = "/pi" }),
        ["cloudUrl of 257 characters"] = (ProtocolErrorCode.InvalidField, () => Registration with { CloudUrl = "https://example.com/" + new string('a', 237) }),
        ["ack tid invalid"] = (ProtocolErrorCode.InvalidId, () => new RegistrationAck("gw 1")),
        ["provisioning error code undefined"] = (ProtocolErrorCode.InvalidField, () => new ProvisioningError((ProtocolErrorCode)1, "m")),
        ["provisioning error message of 513 bytes"] = (ProtocolErrorCode.InvalidField, () => new ProvisioningError(ProtocolErrorCode.Busy, new string('m', 513))),
        ["txn empty"] = (ProtocolErrorCode.InvalidField, () => new Ack("")),
        ["txn of 65 characters"] = (ProtocolErrorCode.InvalidField, () => new Ack(new string('t', 65))),
        ["txn with a space"] = (ProtocolErrorCode.InvalidField, () => new Logout("t 1")),
        ["txn null"] = (ProtocolErrorCode.MissingField, () => new ResetUnbind(null!)),
        ["command empty"] = (ProtocolErrorCode.InvalidField, () => new SessionRequest("t", "")),
        ["command of 65 bytes"] = (ProtocolErrorCode.InvalidField, () => new SessionRequest("t", new string('c', 65))),
        ["request did invalid"] = (ProtocolErrorCode.InvalidId, () => new SessionRequest("t", "c", "lamp/1")),
        ["request args undefined"] = (ProtocolErrorCode.InvalidField, () => new SessionRequest("t", "c", Args: default(JsonElement))),
        ["response ok with an error"] = (ProtocolErrorCode.InvalidField, () => new SessionResponse("t", true, Error: new ErrorInfo(ProtocolErrorCode.Busy, ""))),
        ["response not ok without an error"] = (ProtocolErrorCode.InvalidField, () => new SessionResponse("t", false)),
        ["response error code undefined"] = (ProtocolErrorCode.InvalidField, () => new SessionResponse("t", false, Error: new ErrorInfo((ProtocolErrorCode)999, ""))),
        ["response result undefined"] = (ProtocolErrorCode.InvalidField, () => new SessionResponse("t", true, default(JsonElement))),
        ["removed bindings negative"] = (ProtocolErrorCode.InvalidField, () => new ResetUnbindResult("t", -1)),
        ["sub-device did invalid"] = (ProtocolErrorCode.InvalidId, () => new SubDeviceAdded("t", "", Key(1), Key(2), 1, Expiry)),
        ["sub-device keys equal"] = (ProtocolErrorCode.InvalidField, () => new SubDeviceAdded("t", "d", Key(1), Key(1), 1, Expiry)),
        ["sub-device kind empty"] = (ProtocolErrorCode.InvalidField, () => new SubDeviceAdded("t", "d", Key(1), Key(2), 1, Expiry, "")),
        ["removed did invalid"] = (ProtocolErrorCode.InvalidId, () => new SubDeviceRemoved("t", "d#")),
        ["rotation keys equal"] = (ProtocolErrorCode.InvalidField, () => new KeyRotation("t", 1, Key(1), Key(1), Expiry)),
        ["rotation key null"] = (ProtocolErrorCode.MissingField, () => new KeyRotation("t", 1, Key(1), null!, Expiry)),
        ["session error txn invalid"] = (ProtocolErrorCode.InvalidField, () => new SessionError("", ProtocolErrorCode.Busy, "")),
        ["session error code undefined"] = (ProtocolErrorCode.InvalidField, () => new SessionError(null, (ProtocolErrorCode)0, "")),
        ["session error message with a control character"] = (ProtocolErrorCode.InvalidField, () => new SessionError(null, ProtocolErrorCode.Busy, "a\u001bb")),
        ["challenge request tid invalid"] = (ProtocolErrorCode.InvalidId, () => new LoginChallengeRequest("gw.1")),
        ["challenge of 15 bytes"] = (ProtocolErrorCode.InvalidField, () => new LoginChallenge("gw-1", new byte[15], Expiry)),
        ["challenge null"] = (ProtocolErrorCode.MissingField, () => new LoginChallenge("gw-1", null!, Expiry)),
        ["login password of 15 bytes"] = (ProtocolErrorCode.InvalidField, () => new LoginRequest("gw-1", new SecretString(new string('p', 15)), new byte[16])),
        ["login challenge of 17 bytes"] = (ProtocolErrorCode.InvalidField, () => new LoginRequest("gw-1", new SecretString(Password), new byte[17])),
        ["session token of 15 bytes"] = (ProtocolErrorCode.InvalidField, () => Reply with { SessionToken = new SecretString(new string('t', 15)) }),
        ["session token of 257 bytes"] = (ProtocolErrorCode.InvalidField, () => Reply with { SessionToken = new SecretString(new string('t', 257)) }),
        ["session key null"] = (ProtocolErrorCode.MissingField, () => Reply with { SessionKey = null! }),
        ["mqttUrl https"] = (ProtocolErrorCode.InvalidField, () => Reply with { MqttUrl = "https://broker.example.com" }),
        ["mqttUrl not a url"] = (ProtocolErrorCode.InvalidField, () => Reply with { MqttUrl = "broker.example.com:8883" }),
        ["hello nonce of 17 bytes"] = (ProtocolErrorCode.InvalidField, () => new LinkHello(new byte[17])),
        ["welcome nonce empty"] = (ProtocolErrorCode.InvalidField, () => new LinkWelcome([], 1)),
    };

    public static TheoryData<string> Invalid_names => [.. Invalid.Keys];

    [Theory]
    [MemberData(nameof(Invalid_names))]
    public void Invalid_messages_are_refused_by_Validate_and_by_the_encoder(string name)
    {
        var (code, make) = Invalid[name];
        var message = make();
        Throws(code, message.Validate);
        Throws(code, () => Encode(message));
    }

    private static readonly Dictionary<string, Func<IProtocolMessage>> Valid = new()
    {
        ["mac with digits only"] = () => new SearchDevice("00:11:22:33:44:55"),
        ["random of 16 bytes"] = () => new SearchDevice(Mac, new byte[16]),
        ["random of 32 bytes"] = () => new SearchDevice(Mac, new byte[32]),
        ["ipv6 address"] = () => Info with { Ip = "fe80::1" },
        ["ipv4 address"] = () => Info with { Ip = "10.0.0.255" },
        ["ipv4-mapped ipv6 address"] = () => Info with { Ip = "::ffff:192.168.4.1" },
        ["tcpPort 1"] = () => Info with { TcpPort = 1 },
        ["tcpPort 65535"] = () => Info with { TcpPort = 65535 },
        ["sn of 64 bytes"] = () => Info with { Sn = new string('s', 64) },
        ["no hash"] = () => Info with { Hash = null },
        ["ssid of 32 bytes"] = () => new SsidList([Network with { Ssid = new string('s', 32) }]),
        ["ssid of 32 utf-8 bytes"] = () => new SsidList([Network with { Ssid = new string('\u20ac', 10) + "ab" }]),
        ["ssid with an emoji"] = () => new SsidList([Network with { Ssid = "Home \U0001F3E0" }]),
        ["signal -127"] = () => new SsidList([Network with { Signal = -127 }]),
        ["signal 0"] = () => new SsidList([Network with { Signal = 0 }]),
        ["100 networks"] = () => new SsidList([.. Enumerable.Repeat(Network, 100)]),
        ["no networks"] = () => new SsidList([]),
        ["empty wifi password for an open network"] = () => new WifiCredentials("Guest", new SecretString("")),
        ["wifi password of 128 bytes"] = () => new WifiCredentials("HomeNet", new SecretString(new string('p', 128))),
        ["not joined with an ip"] = () => new WifiResult(false, WifiFailure.NoIpAddress, "169.254.1.1"),
        ["registration password of 16 bytes"] = () => Registration with { Password = new SecretString(new string('p', 16)) },
        ["registration password of 128 bytes"] = () => Registration with { Password = new SecretString(new string('p', 128)) },
        ["registration tid of 64 characters"] = () => Registration with { Tid = new string('T', 64) },
        ["cloudUrl http"] = () => Registration with { CloudUrl = "http://192.168.1.2:8080/pi" },
        ["no cloudUrl"] = () => Registration with { CloudUrl = null },
        ["provisioning error message empty"] = () => new ProvisioningError(ProtocolErrorCode.Internal, ""),
        ["provisioning error message of 512 bytes"] = () => new ProvisioningError(ProtocolErrorCode.Busy, new string('m', 512)),
        ["txn of 64 characters"] = () => new Ack(new string('t', 64)),
        ["removed bindings 0"] = () => new ResetUnbindResult("t", 0),
        ["session token of 256 bytes"] = () => Reply with { SessionToken = new SecretString(new string('t', 256)) },
        ["mqttUrl mqtt"] = () => Reply with { MqttUrl = "mqtt://10.0.0.1:1883" },
    };

    public static TheoryData<string> Valid_names => [.. Valid.Keys];

    [Theory]
    [MemberData(nameof(Valid_names))]
    public void Boundary_values_that_are_allowed(string name)
    {
        var message = Valid[name]();
        message.Validate();
        Assert.IsType(message.GetType(), Decode(message, Encode(message)));
    }
}
