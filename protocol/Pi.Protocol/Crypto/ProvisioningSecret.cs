namespace Pi.Protocol.Crypto;

/// <summary>
/// What authenticates a provisioning key agreement: the gateway's setup code, or nothing at all in
/// the seed's open mode (which anyone in radio range can sit in the middle of, so it is used only
/// when a device is configured for it).
/// </summary>
public sealed class ProvisioningSecret
{
    private readonly byte[] _salt;

    private ProvisioningSecret(byte[] salt, bool isOpen)
    {
        _salt = salt;
        IsOpenMode = isOpen;
    }

    /// <summary>The seed's unauthenticated exchange: an empty salt.</summary>
    public static ProvisioningSecret OpenMode { get; } = new([], isOpen: true);

    /// <summary>Whether this is open mode.</summary>
    public bool IsOpenMode { get; }

    /// <summary>The secret of a setup code: salt = SHA-256(canonical code).</summary>
    public static ProvisioningSecret FromSetupCode(SetupCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return new ProvisioningSecret(code.ComputeSecret(), isOpen: false);
    }

    /// <summary>The HKDF salt: 32 bytes, or empty in open mode.</summary>
    internal ReadOnlySpan<byte> Salt => _salt;

    /// <summary>Redacted.</summary>
    public override string ToString() => IsOpenMode ? "ProvisioningSecret(open mode)" : "ProvisioningSecret(setup code)";
}
