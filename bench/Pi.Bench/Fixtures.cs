using System.Security.Cryptography;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Bench;

/// <summary>The messages a benchmark can be parameterised with.</summary>
public enum SampleMessage
{
    /// <summary>The gateway's deviceInfo datagram (about 300 bytes of JSON, carries a public key).</summary>
    DeviceInfo,

    /// <summary>The gateway's ssidList stream frame (12 networks, about 700 bytes of JSON).</summary>
    SsidList,
}

/// <summary>Fixed, realistic inputs shared by the benchmarks. Nothing here is secret.</summary>
internal static class Fixtures
{
    /// <summary>A gateway account id of typical length.</summary>
    public const string Tid = "gw_7f3a9c21b4e84d0e";

    /// <summary>The key id the session envelopes carry.</summary>
    public const uint SessionKeyId = 7;

    /// <summary>A fixed sessionkey.</summary>
    public static SymmetricKey SessionKey() => new(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));

    /// <summary>A fixed agreekey.</summary>
    public static SymmetricKey AgreeKey() => new(Convert.FromHexString("f0e1d2c3b4a5968778695a4b3c2d1e0f"));

    /// <summary>Deterministic payload bytes (AES-GCM cost does not depend on the content).</summary>
    public static byte[] Payload(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i * 31) + 7);
        }
        return bytes;
    }

    /// <summary>A deviceInfo as a gateway sends it in reply to a logged-in APP's search.</summary>
    public static DeviceInfo DeviceInfo() => new(
        Ip: "192.168.4.1",
        TcpPort: 8266,
        Joined: false,
        Mac: "B8:27:EB:4F:21:9C",
        Sn: "PIGW-2403-000187",
        Uuid: "6f1c2a9e-4b7d-4e1a-9c3f-2d8b5e7a1c04",
        ResetFlag: false,
        Hash: Convert.ToHexStringLower(SHA256.HashData("pi-gateway bench binding hash"u8)),
        Product: "pi-gateway-h1",
        Firmware: "2.0.3");

    /// <summary>An ssidList of a typical apartment-block scan.</summary>
    public static SsidList SsidList() => new(
    [
        new SsidEntry("HomeNet-5G", -38, WifiSecurity.Wpa2Wpa3),
        new SsidEntry("HomeNet", -41, WifiSecurity.Wpa2Psk),
        new SsidEntry("FRITZ!Box 7590 XY", -57, WifiSecurity.Wpa2Psk),
        new SsidEntry("Vodafone-A1B2C3", -63, WifiSecurity.Wpa2Psk),
        new SsidEntry("TP-Link_4F2E", -66, WifiSecurity.WpaPsk),
        new SsidEntry("eduroam", -70, WifiSecurity.Enterprise),
        new SsidEntry("DIRECT-7B-HP OfficeJet Pro", -72, WifiSecurity.Wpa2Psk),
        new SsidEntry("Pixel_3921", -74, WifiSecurity.Wpa3Sae),
        new SsidEntry("NETGEAR42", -79, WifiSecurity.Wpa2Psk),
        new SsidEntry("Cafe Guest", -83, WifiSecurity.Open),
        new SsidEntry("ASUS_RT-AX58U", -86, WifiSecurity.Wpa2Psk),
        new SsidEntry("UPC1234567", -89, WifiSecurity.Wep),
    ]);

    /// <summary>The message for a <see cref="SampleMessage"/>.</summary>
    public static ProvisioningMessage Message(SampleMessage which) => which switch
    {
        SampleMessage.DeviceInfo => DeviceInfo(),
        SampleMessage.SsidList => SsidList(),
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };
}
