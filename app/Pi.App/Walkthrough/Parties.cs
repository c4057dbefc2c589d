namespace Pi.App.Walkthrough;

/// <summary>Party names as printed.</summary>
internal static class Parties
{
    public const string AppName = "APP";
    public const string GatewayName = "gateway";
    public const string CloudName = "cloud";
    public const string SubDeviceName = "sub-dev";
}

/// <summary>What the QR label on the gateway's box shows: its MAC and its setup code.</summary>
internal sealed record GatewayLabel(string Mac, string SetupCode);

/// <summary>
/// What the maker enters in the cloud's device registry at the factory. The verification code is the
/// secret behind the binding hash; the setup code is not here: the cloud never needs it.
/// </summary>
internal sealed record FactoryRecord(string Mac, string Sn, string Uuid, string VerificationCode);

/// <summary>Network facts of this walkthrough; the ports are Pi.Protocol's ProvisioningDefaults.</summary>
internal static class Network
{
    /// <summary>The gateway's address on its own softAP (docs/protocol.md uses the same example).</summary>
    public const string SoftApAddress = "192.168.4.1";
}
