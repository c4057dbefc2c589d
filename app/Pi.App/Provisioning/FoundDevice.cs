using System.Net;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.App.Provisioning;

/// <summary>
/// A deviceInfo that opened under our keys: what the gateway (or sub-device) said about itself and
/// the pending session it keeps for us (its public key names the agreekey; section 5, rule 3).
/// One found device serves one TCP connection: a new connection needs a new search.
/// </summary>
public sealed class FoundDevice
{
    private readonly byte[] _devicePublicKey;

    internal FoundDevice(DeviceInfo info, byte[] devicePublicKey, SymmetricKey agreeKey, bool openMode)
    {
        Info = info;
        _devicePublicKey = devicePublicKey;
        AgreeKey = agreeKey;
        OpenMode = openMode;
        SessionEndPoint = new IPEndPoint(IPAddress.Parse(info.Ip), info.TcpPort);
    }

    /// <summary>The device's description (S13).</summary>
    public DeviceInfo Info { get; }

    /// <summary>The device's public key for this search (65 bytes); the APP's first stream frame carries it.</summary>
    public ReadOnlySpan<byte> DevicePublicKey => _devicePublicKey;

    /// <summary>Where to connect: deviceInfo's ip and tcpPort (port3).</summary>
    public IPEndPoint SessionEndPoint { get; }

    /// <summary>Whether the exchange is in open mode (no setup code).</summary>
    public bool OpenMode { get; }

    /// <summary>The agreekey (never printed).</summary>
    internal SymmetricKey AgreeKey { get; }

    /// <summary>Without the agreekey.</summary>
    public override string ToString() => $"FoundDevice({Info.Mac} at {SessionEndPoint}, joined={Info.Joined})";
}
