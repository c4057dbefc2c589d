using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Messages;

/// <summary>One valid instance of every message, with the JSON members it must produce (in order).</summary>
internal static class SampleMessages
{
    public static readonly DateTimeOffset Expiry = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
    public const string Uuid = "6f1c2a9e-3b7d-4c1e-9a5f-0d2b8e4c7a10";
    public const string Password = "0123456789abcdef-pass";

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static IReadOnlyDictionary<string, (IProtocolMessage Message, string[] Members)> All { get; } =
        new Dictionary<string, (IProtocolMessage, string[])>
        {
            // Provisioning.
            ["searchDevice"] = (new SearchDevice(Mac, Bytes(16)), ["mac", "random"]),
            ["searchDevice without random"] = (new SearchDevice(Mac), ["mac"]),
            ["deviceInfo"] = (new DeviceInfo("192.168.4.1", 4433, true, Mac, "SN-1", Uuid, false, new string('a', 64), "pi-gw", "2.0.1"),
                ["ip", "tcpPort", "joined", "mac", "sn", "uuid", "resetFlag", "hash", "product", "firmware"]),
            ["deviceInfo minimal"] = (new DeviceInfo("fe80::1", 1, false, Mac, "S", Uuid, true), ["ip", "tcpPort", "joined", "mac", "sn", "uuid", "resetFlag"]),
            ["getSsidList"] = (new GetSsidList(true), ["rescan"]),
            ["ssidList"] = (new SsidList([new SsidEntry("HomeNet", -41, WifiSecurity.Wpa2Psk), new SsidEntry("Guest", -90, WifiSecurity.Open)]), ["networks"]),
            ["wifiCredentials"] = (new WifiCredentials("HomeNet", new SecretString(Password)), ["ssid", "password"]),
            ["wifiResult joined"] = (new WifiResult(true, Ip: "192.168.1.50"), ["joined", "ip"]),
            ["wifiResult failed"] = (new WifiResult(false, WifiFailure.WrongPassword), ["joined", "reason"]),
            ["registrationInfo"] = (new RegistrationInfo("gw-1", new SecretString(Password), Key(1), Key(2), 9, Expiry, Expiry.AddYears(1), "https://cloud.example.com"),
                ["tid", "password", "accessKey", "localKey", "keyId", "keyExpiresAt", "serviceExpiresAt", "cloudUrl"]),
            ["registrationAck"] = (new RegistrationAck("gw-1"), ["tid"]),
            ["subDeviceInfo"] = (new SubDeviceInfo("sd-7", Key(8), 3, Expiry, "mqtts://192.168.1.23:8883", new string('b', 64), "sensor"),
                ["did", "localKey", "keyId", "keyExpiresAt", "broker", "brokerFingerprint", "kind"]),
            ["subDeviceInfo minimal"] = (new SubDeviceInfo("sd-7", Key(8), 3, Expiry, "mqtt://10.0.0.1:1883"), ["did", "localKey", "keyId", "keyExpiresAt", "broker"]),
            ["subDeviceAck"] = (new SubDeviceAck("sd-7"), ["did"]),
            ["provisioningError"] = (new ProvisioningError(ProtocolErrorCode.Busy, "another APP is provisioning"), ["code", "message"]),

            // Session channel.
            ["request"] = (new SessionRequest("t-1", "setLevel", "lamp-1", Json("{\"level\":5,\"ramp\":[1,2]}")), ["type", "txn", "command", "did", "args"]),
            ["request minimal"] = (new SessionRequest("t-1", "reboot"), ["type", "txn", "command"]),
            ["response ok"] = (new SessionResponse("t-1", true, Json("{\"state\":\"on\"}")), ["type", "txn", "ok", "result"]),
            ["response error"] = (new SessionResponse("t-1", false, Error: new ErrorInfo(ProtocolErrorCode.Offline, "lamp-1 is offline")), ["type", "txn", "ok", "error"]),
            ["resetUnbind"] = (new ResetUnbind("t-2"), ["type", "txn"]),
            ["resetUnbindResult"] = (new ResetUnbindResult("t-2", 3), ["type", "txn", "removedBindings"]),
            ["subDeviceAdded"] = (new SubDeviceAdded("t-3", "lamp-1", Key(3), Key(4), 11, Expiry, "bulb"), ["type", "txn", "did", "accessKey", "localKey", "keyId", "keyExpiresAt", "kind"]),
            ["subDeviceRemoved"] = (new SubDeviceRemoved("t-4", "lamp-1"), ["type", "txn", "did"]),
            ["keyRotation"] = (new KeyRotation("t-5", 12, Key(5), Key(6), Expiry), ["type", "txn", "keyId", "accessKey", "localKey", "keyExpiresAt"]),
            ["keyRotationAck"] = (new KeyRotationAck("t-5", 12), ["type", "txn", "keyId"]),
            ["ack"] = (new Ack("t-3"), ["type", "txn"]),
            ["logout"] = (new Logout("t-6"), ["type", "txn"]),
            ["error"] = (new SessionError("t-7", ProtocolErrorCode.UnknownCommand, "no such command"), ["type", "txn", "code", "message"]),
            ["relay"] = (new Relay("t-8", "q-1", [
                    new RelayItem(41, "sd-7", Expiry, new SessionRequest("u-9", "telemetry", Args: Json("{\"temperature\":21.5}"))),
                    new RelayItem(42, "sd-8", Expiry, Availability: SubDeviceAvailability.Offline)], 3),
                ["type", "txn", "stream", "items", "dropped"]),
            ["error without txn"] = (new SessionError(null, ProtocolErrorCode.Internal, ""), ["type", "code", "message"]),

            // Login and LAN link.
            ["loginChallengeRequest"] = (new LoginChallengeRequest("gw-1"), ["tid"]),
            ["loginChallenge"] = (new LoginChallenge("gw-1", Bytes(16, 0x40), Expiry), ["tid", "challenge", "expiresAt"]),
            ["loginRequest"] = (new LoginRequest("gw-1", new SecretString(Password), Bytes(16, 0x40)), ["tid", "password", "challenge"]),
            ["loginReply"] = (new LoginReply(21, Key(7), new SecretString("session-token-0123456789"), Expiry, Expiry, Expiry, "mqtts://broker.example.com:8883"),
                ["sessionKeyId", "sessionKey", "sessionToken", "sessionExpiresAt", "keyExpiresAt", "serviceExpiresAt", "mqttUrl"]),
            ["linkHello"] = (new LinkHello(Bytes(16, 0x50)), ["nonce"]),
            ["linkWelcome"] = (new LinkWelcome(Bytes(16, 0x60), 33), ["nonce", "keyId"]),
            ["bridgeStatus"] = (new BridgeStatus(BridgeRunState.Online, true, 5, 0), ["state", "cloud", "queued", "dropped"]),
            ["pairingStatus open"] = (new PairingStatus(true, Expiry), ["open", "until"]),
            ["pairingStatus closed"] = (new PairingStatus(false), ["open"]),
        };

    /// <summary>Encodes any sample the way its channel does.</summary>
    public static byte[] Encode(IProtocolMessage message) => message switch
    {
        ProvisioningMessage m => ProtocolJson.Serialize(m),
        SessionMessage m => ProtocolJson.Serialize(m),
        LoginChallengeRequest m => ProtocolJson.Serialize(m),
        LoginChallenge m => ProtocolJson.Serialize(m),
        LoginRequest m => ProtocolJson.Serialize(m),
        LoginReply m => ProtocolJson.Serialize(m),
        LinkHello m => ProtocolJson.Serialize(m),
        LinkWelcome m => ProtocolJson.Serialize(m),
        BridgeStatus m => ProtocolJson.Serialize(m),
        PairingStatus m => ProtocolJson.Serialize(m),
        _ => throw new ArgumentException(message.GetType().Name, nameof(message)),
    };

    /// <summary>Decodes bytes as the same kind of message as <paramref name="like"/>.</summary>
    public static IProtocolMessage Decode(IProtocolMessage like, byte[] json) => like switch
    {
        ProvisioningMessage m => ProtocolJson.DeserializeProvisioning(m.FrameType, json),
        SessionMessage => ProtocolJson.DeserializeSession(json),
        LoginChallengeRequest => ProtocolJson.Deserialize<LoginChallengeRequest>(json),
        LoginChallenge => ProtocolJson.Deserialize<LoginChallenge>(json),
        LoginRequest => ProtocolJson.Deserialize<LoginRequest>(json),
        LoginReply => ProtocolJson.Deserialize<LoginReply>(json),
        LinkHello => ProtocolJson.Deserialize<LinkHello>(json),
        LinkWelcome => ProtocolJson.Deserialize<LinkWelcome>(json),
        BridgeStatus => ProtocolJson.Deserialize<BridgeStatus>(json),
        PairingStatus => ProtocolJson.Deserialize<PairingStatus>(json),
        _ => throw new ArgumentException(like.GetType().Name, nameof(like)),
    };
}
