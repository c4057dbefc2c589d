using Pi.Protocol.Crypto;
using Pi.Protocol.Labels;

namespace Pi.App.Provisioning;

/// <summary>
/// The device the APP looks for: its MAC and setup code, from a scanned label
/// (<see cref="QrPayload"/>, which also names the softAP's SSID) or typed by the user.
/// </summary>
/// <param name="Mac">The normalized MAC (<see cref="DeviceMac"/>).</param>
/// <param name="SetupCode">The label's setup code.</param>
/// <param name="Ssid">The softAP's SSID when the label gave it.</param>
internal sealed record DeviceTarget(string Mac, SetupCode SetupCode, string? Ssid)
{
    /// <summary>The target a scanned label names.</summary>
    public static DeviceTarget From(QrPayload label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return new DeviceTarget(label.Mac, label.SetupCode, label.Ssid);
    }

    /// <summary>Redacted: the setup code shows as <c>***</c>.</summary>
    public override string ToString() => $"DeviceTarget {{ Mac = {Mac}, SetupCode = ***, Ssid = {Ssid} }}";
}
