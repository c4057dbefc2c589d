using System.Globalization;
using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Framing;

namespace Pi.App.Io;

/// <summary>Names and one-line descriptions of wire structures, shared by decode, encode and the walkthrough.</summary>
internal static class WireText
{
    /// <summary>The four envelope directions as the command line spells them.</summary>
    public static readonly string[] EnvelopeDirectionNames = ["gateway-to-cloud", "cloud-to-gateway", "subdevice-to-gateway", "gateway-to-subdevice"];

    /// <summary>Frame types as the command line and the JSON docs spell them (camelCase).</summary>
    public static readonly string[] FrameTypeNames = [.. Enum.GetValues<ProvisioningFrameType>().Select(Name)];

    public static string Name(Direction direction) => direction switch
    {
        Direction.AppToGateway => "app-to-gateway",
        Direction.GatewayToApp => "gateway-to-app",
        Direction.GatewayToCloud => "gateway-to-cloud",
        Direction.CloudToGateway => "cloud-to-gateway",
        Direction.SubDeviceToGateway => "subdevice-to-gateway",
        Direction.GatewayToSubDevice => "gateway-to-subdevice",
        _ => ((byte)direction).ToString(CultureInfo.InvariantCulture),
    };

    public static Direction ParseEnvelopeDirection(string name) => name switch
    {
        "gateway-to-cloud" => Direction.GatewayToCloud,
        "cloud-to-gateway" => Direction.CloudToGateway,
        "subdevice-to-gateway" => Direction.SubDeviceToGateway,
        "gateway-to-subdevice" => Direction.GatewayToSubDevice,
        _ => throw new UsageException($"unknown direction '{name}' (use {string.Join(", ", EnvelopeDirectionNames)})"),
    };

    public static string Name(ProvisioningFrameType type) =>
        Enum.IsDefined(type) ? JsonNamingPolicy.CamelCase.ConvertName(type.ToString()) : ((byte)type).ToString(CultureInfo.InvariantCulture);

    public static ProvisioningFrameType ParseFrameType(string name)
    {
        foreach (var type in Enum.GetValues<ProvisioningFrameType>())
        {
            if (string.Equals(Name(type), name, StringComparison.OrdinalIgnoreCase))
            {
                return type;
            }
        }
        throw new UsageException($"unknown frame type '{name}' (use {string.Join(", ", FrameTypeNames)})");
    }

    public static string Name(ProvisioningRole role) => role == ProvisioningRole.App ? "app" : "gateway";

    public static string Name(ProvisioningTransport transport) => transport == ProvisioningTransport.Datagram ? "datagram" : "stream";

    /// <summary>One line: <c>PE v2 gateway-to-cloud key-id=7 counter=0 tid=gw1 did=-</c>.</summary>
    public static string Summary(EnvelopeHeader header) =>
        string.Create(CultureInfo.InvariantCulture, $"PE v{SessionEnvelope.Version} {Name(header.Direction)} key-id={header.KeyId} counter={header.Counter} tid={header.Tid ?? "-"} did={header.Did ?? "-"}");

    /// <summary>One line: <c>PG v2 searchDevice flags=0 sender=app seq=0 payload=65 data=87</c>.</summary>
    public static string Summary(ProvisioningFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var flags = frame.Flags.HasFlag(ProvisioningFrameFlags.OpenMode) ? "open-mode" : "0";
        return string.Create(CultureInfo.InvariantCulture,
            $"PG v{ProvisioningFrame.Version} {Name(frame.Type)} flags={flags} sender={Name(frame.Sender)} seq={frame.Sequence} payload={frame.PayloadLength} data={frame.Ciphertext.Length + AeadSealer.TagSize}");
    }
}
