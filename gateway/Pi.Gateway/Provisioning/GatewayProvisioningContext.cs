using Pi.Gateway.State;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// Who the gateway is and where it stands, as deviceInfo reports it: identity (mac, sn, uuid), the
/// verification code the binding hash covers, the provisioning secret (the label's setup code, or
/// the seed's open mode), and status (joined, resetFlag, the address the APP connects to). The host
/// provides it and replaces it with <see cref="ProvisioningServer.UpdateContext"/> when the status
/// changes (joined a router, binding done).
/// </summary>
/// <param name="Mac">The Wi-Fi interface's MAC, <c>AA:BB:CC:DD:EE:FF</c>; searches for any other MAC are refused.</param>
/// <param name="Sn">Serial number, 1..64 bytes.</param>
/// <param name="Uuid">The device uuid.</param>
/// <param name="VerificationCode">1..128 characters; only its binding hash leaves the gateway.</param>
/// <param name="Secret">The setup code's secret, or <see cref="ProvisioningSecret.OpenMode"/> when the device is configured for it.</param>
/// <param name="ResetFlag">True after a factory reset, until the next binding.</param>
/// <param name="Joined">Whether the gateway is joined to a router.</param>
/// <param name="Ip">The address deviceInfo announces; null means the server's bind address (which must then be a specific one).</param>
/// <param name="Product">Product name for deviceInfo, 1..64 bytes, or null.</param>
/// <param name="Firmware">Firmware version for deviceInfo, 1..32 bytes, or null.</param>
/// <param name="Provisioned">
/// The gateway holds a registration: searches that open under its setup code are answered with
/// <c>error already_provisioned</c> and no session is offered (docs/protocol.md section 5, rule 6).
/// </param>
public sealed record GatewayProvisioningContext(
    string Mac,
    string Sn,
    string Uuid,
    SecretString VerificationCode,
    ProvisioningSecret Secret,
    bool ResetFlag,
    bool Joined,
    string? Ip = null,
    string? Product = "pi-gateway",
    string? Firmware = null,
    bool Provisioned = false)
{
    /// <summary>The context of a stored identity: its setup code authenticates provisioning unless <paramref name="openMode"/>.</summary>
    public static GatewayProvisioningContext FromIdentity(
        GatewayIdentity identity,
        bool openMode,
        bool resetFlag,
        bool joined,
        string? ip = null,
        string? product = "pi-gateway",
        string? firmware = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var secret = openMode ? ProvisioningSecret.OpenMode : ProvisioningSecret.FromSetupCode(identity.SetupCode);
        return new GatewayProvisioningContext(identity.Mac, identity.Sn, identity.Uuid, identity.VerificationCode, secret, resetFlag, joined, ip, product, firmware);
    }

    /// <summary>Checks every field against the rules deviceInfo must meet, so no search is answered with an invalid message.</summary>
    /// <exception cref="ArgumentException">A field breaks its rule (the message names the field, never a secret).</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(VerificationCode, nameof(VerificationCode));
        ArgumentNullException.ThrowIfNull(Secret, nameof(Secret));
        if (VerificationCode.Length is 0 or > 128)
        {
            throw new ArgumentException("the verification code is 1 to 128 characters", nameof(VerificationCode));
        }
        try
        {
            // The same checks a receiver applies to deviceInfo; the placeholders are valid values.
            new DeviceInfo(Ip ?? "0.0.0.0", 1, Joined, Mac, Sn, Uuid, ResetFlag, null, Product, Firmware).Validate();
        }
        catch (ProtocolException ex)
        {
            throw new ArgumentException($"the provisioning context is not valid: {ex.Message}", ex);
        }
    }
}
