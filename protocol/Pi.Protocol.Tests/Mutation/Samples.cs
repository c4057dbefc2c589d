using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>Fixed keys and valid messages: the corpora the mutators start from. Deterministic.</summary>
internal static class Samples
{
    public const string Tid = "gw-0001_A";
    public const string Did = "sub-42";
    public const string Mac = "AA:BB:CC:DD:EE:0F";

    private static readonly DateTimeOffset Expiry = new(2031, 5, 17, 8, 30, 0, TimeSpan.FromHours(2));

    public static SymmetricKey Key(byte seed) => new([.. Enumerable.Range(0, SymmetricKey.Size).Select(i => (byte)((seed * 31) + (i * 7)))]);

    public static byte[] Bytes(int length, byte seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((seed * 13) + (i * 29) + 1))];

    /// <summary>A fixed P-256 key pair, so frames are byte-for-byte the same in every run.</summary>
    public static EphemeralKeyPair KeyPair { get; } = EphemeralKeyPair.FromPrivateKey(Bytes(32, 5));

    public static byte[] PublicKey { get; } = KeyPair.PublicKey.ToArray();

    /// <summary>Valid provisioning messages, at least one of every type, some with all optional members.</summary>
    public static IReadOnlyList<ProvisioningMessage> Provisioning { get; } =
    [
        new SearchDevice(Mac),
        new SearchDevice(Mac, Bytes(16, 1)),
        new DeviceInfo("192.168.4.1", 8266, false, Mac, "SN-0001", "0f8fad5b-d9cb-469f-a165-70867728950e", false),
        new DeviceInfo("fe80::1", 1, true, Mac, "Seriennummer ä", "0F8FAD5B-D9CB-469F-A165-70867728950E", true, new string('a', 60) + "0f9e", "Pi Gateway", "2.1.0-rc1"),
        new GetSsidList(),
        new GetSsidList(Rescan: true),
        new SsidList([]),
        new SsidList([new SsidEntry("home", -40, WifiSecurity.Wpa2Psk), new SsidEntry("Café 5G", -127, WifiSecurity.Open), new SsidEntry("x", 0, WifiSecurity.Other)]),
        new WifiCredentials("home", new SecretString("correct horse battery")),
        new WifiCredentials("open net", new SecretString("")),
        new WifiResult(true, null, "192.168.1.20"),
        new WifiResult(false, WifiFailure.WrongPassword),
        new RegistrationInfo(Tid, new SecretString("0123456789abcdef-pass"), Key(1), Key(2), 7, Expiry, Expiry.AddYears(1)),
        new RegistrationInfo(Tid, new SecretString("0123456789abcdef"), Key(3), Key(4), uint.MaxValue, Expiry, Expiry, "https://cloud.example/api/v2"),
        new RegistrationAck(Tid),
        new ProvisioningError(ProtocolErrorCode.Busy, "another APP is provisioning"),
        new ProvisioningError(ProtocolErrorCode.UnknownDevice, ""),
        new SubDeviceInfo(Did, Key(9), 5, Expiry, "mqtt://192.168.1.20:1883"),
        new SubDeviceInfo(Did, Key(10), uint.MaxValue, Expiry, "mqtts://gw.local:8883", new string('c', 64), "switch"),
        new SubDeviceAck(Did),
    ];

    /// <summary>Valid session messages, at least one of every type.</summary>
    public static IReadOnlyList<SessionMessage> Session { get; } =
    [
        new SessionRequest("t1", "switch.set", Did, JsonDocument.Parse("""{"on":true,"level":[1,2.5,"x",null]}""").RootElement.Clone()),
        new SessionRequest("t-2", "ping"),
        new SessionResponse("t1", true, JsonDocument.Parse("""{"state":"on"}""").RootElement.Clone()),
        new SessionResponse("t_3", false, null, new ErrorInfo(ProtocolErrorCode.Offline, "sub-device is offline")),
        new ResetUnbind("r1"),
        new ResetUnbindResult("r1", 3),
        new SubDeviceAdded("a1", Did, Key(5), Key(6), 9, Expiry, "plug"),
        new SubDeviceRemoved("a2", Did),
        new KeyRotation("k1", 10, Key(7), Key(8), Expiry),
        new KeyRotationAck("k1", 10),
        new Ack("a1"),
        new Logout("bye"),
        new SessionError("t9", ProtocolErrorCode.UnknownCommand, "no such command"),
        new SessionError(null, ProtocolErrorCode.Internal, ""),
        new Relay("r2", "q-1", [
            new RelayItem(7, Did, Expiry, new SessionRequest("u1", "telemetry", null, JsonDocument.Parse("""{"t":21.5}""").RootElement.Clone())),
            new RelayItem(9, Did, Expiry, Availability: SubDeviceAvailability.Offline)], 4),
    ];

    /// <summary>Valid login and link messages with a decoder for each type.</summary>
    public static IReadOnlyList<(string Type, byte[] Json, Func<byte[], IProtocolMessage> Decode)> LoginAndLink { get; } =
    [
        Entry(new LoginChallengeRequest(Tid)),
        Entry(new LoginChallenge(Tid, Bytes(16, 2), Expiry)),
        Entry(new LoginRequest(Tid, new SecretString("0123456789abcdef-pass"), Bytes(16, 3))),
        Entry(new LoginReply(77, Key(9), new SecretString("token-0123456789abcdef"), Expiry, Expiry, Expiry, "mqtts://broker.example:8883")),
        Entry(new LoginReply(0, Key(10), new SecretString("token-0123456789"), Expiry, Expiry, Expiry)),
        Entry(new LinkHello(Bytes(16, 4))),
        Entry(new LinkWelcome(Bytes(16, 5), 12)),
    ];

    /// <summary>Sealed provisioning frames (no stream prefix) of every allowed sender, transport and type.</summary>
    public static IReadOnlyList<byte[]> Frames { get; } = BuildFrames();

    private static (string, byte[], Func<byte[], IProtocolMessage>) Entry<T>(T message)
        where T : class, IProtocolMessage =>
        (typeof(T).Name, ProtocolJson.Serialize(message), json => ProtocolJson.Deserialize<T>(json));

    private static List<byte[]> BuildFrames()
    {
        var frames = new List<byte[]>();
        foreach (var openMode in new[] { false, true })
        {
            using var app = new ProvisioningChannel(Key(11), ProvisioningRole.App, ProvisioningTransport.Datagram, openMode);
            using var gateway = new ProvisioningChannel(Key(11), ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode);
            frames.Add(app.Seal(Provisioning[1], PublicKey));
            frames.Add(gateway.Seal(Provisioning[3], PublicKey));
            frames.Add(gateway.SealPlaintext(ProvisioningFrameType.Error, [], PublicKey));
        }
        using var appStream = new ProvisioningChannel(Key(12), ProvisioningRole.App, ProvisioningTransport.Stream, openMode: false);
        using var gatewayStream = new ProvisioningChannel(Key(12), ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: false);
        frames.Add(appStream.Seal(Provisioning[5], PublicKey)[4..]);
        frames.Add(appStream.Seal(Provisioning[8])[4..]);
        frames.Add(gatewayStream.Seal(Provisioning[7])[4..]);
        frames.Add(gatewayStream.SealPlaintext(ProvisioningFrameType.RegistrationAck, [])[4..]);
        frames.Add(gatewayStream.SealPlaintext(ProvisioningFrameType.SsidList, Bytes(1200, 6))[4..]);
        return frames;
    }
}
