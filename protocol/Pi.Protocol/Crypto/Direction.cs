namespace Pi.Protocol.Crypto;

/// <summary>
/// Who sends to whom. The direction is part of every nonce and of every header's associated data,
/// so a packet reflected back at its sender, or moved to the other leg, never authenticates.
/// </summary>
public enum Direction : byte
{
    /// <summary>APP to gateway (provisioning).</summary>
    AppToGateway = 1,
    /// <summary>Gateway to APP (provisioning).</summary>
    GatewayToApp = 2,
    /// <summary>Gateway to cloud (login, session channel).</summary>
    GatewayToCloud = 3,
    /// <summary>Cloud to gateway (login reply, session channel).</summary>
    CloudToGateway = 4,
    /// <summary>Sub-device to gateway (LAN link).</summary>
    SubDeviceToGateway = 5,
    /// <summary>Gateway to sub-device (LAN link).</summary>
    GatewayToSubDevice = 6,
}

/// <summary>Helpers for <see cref="Direction"/>.</summary>
public static class Directions
{
    /// <summary>True for the six defined directions.</summary>
    public static bool IsDefined(byte value) => value is >= 1 and <= 6;

    /// <summary>The direction of a reply to a packet sent in <paramref name="direction"/>.</summary>
    public static Direction Reverse(this Direction direction) => direction switch
    {
        Direction.AppToGateway => Direction.GatewayToApp,
        Direction.GatewayToApp => Direction.AppToGateway,
        Direction.GatewayToCloud => Direction.CloudToGateway,
        Direction.CloudToGateway => Direction.GatewayToCloud,
        Direction.SubDeviceToGateway => Direction.GatewayToSubDevice,
        Direction.GatewayToSubDevice => Direction.SubDeviceToGateway,
        _ => throw new ArgumentOutOfRangeException(nameof(direction)),
    };
}
