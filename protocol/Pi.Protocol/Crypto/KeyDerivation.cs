using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Crypto;

/// <summary>The two ends of provisioning. The value is the frame's sender byte.</summary>
public enum ProvisioningRole : byte
{
    /// <summary>The companion APP.</summary>
    App = 1,
    /// <summary>The gateway.</summary>
    Gateway = 2,
}

/// <summary>
/// Every key this protocol derives, all with HKDF-SHA256 and a 16-byte output. The labels and the
/// byte order of each input are part of the wire contract (docs/protocol.md, "Keys").
/// </summary>
public static class KeyDerivation
{
    /// <summary>HKDF info label of the agreekey.</summary>
    public const string AgreeKeyLabel = "pi-gateway/v2 agreekey";

    /// <summary>HKDF info label of the searchkey.</summary>
    public const string SearchKeyLabel = "pi-gateway/v2 searchkey";

    /// <summary>HKDF info label of a login key.</summary>
    public const string LoginKeyLabel = "pi-gateway/v2 loginkey";

    /// <summary>HKDF info label of a LAN link key.</summary>
    public const string LinkKeyLabel = "pi-gateway/v2 linkkey";

    /// <summary>HKDF info label of a sub-device's password on the gateway's local MQTT broker.</summary>
    public const string LanPasswordLabel = "pi-gateway/v2 lanpassword";

    /// <summary>Size in bytes of login challenges and link nonces.</summary>
    public const int NonceSize = 16;

    /// <summary>
    /// agreekey = HKDF-SHA256(IKM = ECDH shared secret, salt = SHA-256(setup code) or empty in open
    /// mode, info = label || APP public key || gateway public key, L = 16).
    /// </summary>
    public static SymmetricKey DeriveAgreeKey(EphemeralKeyPair own, ProvisioningRole ownRole, ReadOnlySpan<byte> peerPublicKey, ProvisioningSecret secret)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(secret);
        var shared = own.DeriveSharedSecret(peerPublicKey);
        try
        {
            return ownRole == ProvisioningRole.App
                ? DeriveAgreeKey(shared, own.PublicKey, peerPublicKey, secret)
                : DeriveAgreeKey(shared, peerPublicKey, own.PublicKey, secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>The agreekey from an already computed ECDH shared secret (used by test vectors).</summary>
    public static SymmetricKey DeriveAgreeKey(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> appPublicKey, ReadOnlySpan<byte> gatewayPublicKey, ProvisioningSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        RequirePublicKeyShape(appPublicKey);
        RequirePublicKeyShape(gatewayPublicKey);
        return Hkdf(sharedSecret, secret.Salt, AgreeKeyLabel, appPublicKey, gatewayPublicKey);
    }

    /// <summary>
    /// searchkey = HKDF-SHA256(IKM = APP public key, salt = SHA-256(setup code) or empty in open mode,
    /// info = label, L = 16). It seals the searchDevice broadcast, which the APP must send before it
    /// knows any gateway public key.
    /// </summary>
    public static SymmetricKey DeriveSearchKey(ReadOnlySpan<byte> appPublicKey, ProvisioningSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        RequirePublicKeyShape(appPublicKey);
        return Hkdf(appPublicKey, secret.Salt, SearchKeyLabel, [], []);
    }

    /// <summary>
    /// loginkey = HKDF-SHA256(IKM = accesskey, salt = the cloud's login challenge, info = label || tid,
    /// L = 16). A fresh challenge per login makes each login's key unique, so a captured login can
    /// never be replayed and the long-lived accesskey never seals two messages under one nonce.
    /// </summary>
    public static SymmetricKey DeriveLoginKey(SymmetricKey accessKey, ReadOnlySpan<byte> challenge, string tid)
    {
        ArgumentNullException.ThrowIfNull(accessKey);
        RequireNonce(challenge, "login challenge");
        Identifiers.Require(tid, "tid");
        return Hkdf(accessKey.Bytes, challenge, LoginKeyLabel, Encoding.ASCII.GetBytes(tid), []);
    }

    /// <summary>
    /// linkkey = HKDF-SHA256(IKM = localkey, salt = sub-device nonce || gateway nonce,
    /// info = label || did, L = 16). Derived for every connection of a sub-device, so that counters
    /// can restart at 0 after a reboot without ever reusing a nonce, and packets from an earlier
    /// connection never open in a later one.
    /// </summary>
    public static SymmetricKey DeriveLinkKey(SymmetricKey localKey, ReadOnlySpan<byte> subDeviceNonce, ReadOnlySpan<byte> gatewayNonce, string did)
    {
        ArgumentNullException.ThrowIfNull(localKey);
        RequireNonce(subDeviceNonce, "sub-device nonce");
        RequireNonce(gatewayNonce, "gateway nonce");
        Identifiers.Require(did, "did");
        Span<byte> salt = stackalloc byte[NonceSize * 2];
        subDeviceNonce.CopyTo(salt);
        gatewayNonce.CopyTo(salt[NonceSize..]);
        return Hkdf(localKey.Bytes, salt, LinkKeyLabel, Encoding.ASCII.GetBytes(did), []);
    }

    /// <summary>
    /// A sub-device's MQTT password on the gateway's local broker: lower-case hex of
    /// HKDF-SHA256(IKM = localkey, salt = empty, info = label || did, L = 16), 32 characters. Both
    /// sides compute it from the localkey, so the password never needs to be stored or sent; it only
    /// admits the connection, and every packet is still sealed under a per-connection link key.
    /// </summary>
    public static SecretString DeriveLanPassword(SymmetricKey localKey, string did)
    {
        ArgumentNullException.ThrowIfNull(localKey);
        Identifiers.Require(did, "did");
        var key = Hkdf(localKey.Bytes, [], LanPasswordLabel, Encoding.ASCII.GetBytes(did), []);
        return new SecretString(Convert.ToHexStringLower(key.Bytes));
    }

    private static SymmetricKey Hkdf(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, string label, ReadOnlySpan<byte> info1, ReadOnlySpan<byte> info2)
    {
        var labelBytes = Encoding.ASCII.GetBytes(label);
        var info = new byte[labelBytes.Length + info1.Length + info2.Length];
        labelBytes.CopyTo(info, 0);
        info1.CopyTo(info.AsSpan(labelBytes.Length));
        info2.CopyTo(info.AsSpan(labelBytes.Length + info1.Length));
        Span<byte> output = stackalloc byte[SymmetricKey.Size];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, output, salt, info);
        var key = new SymmetricKey(output);
        CryptographicOperations.ZeroMemory(output);
        return key;
    }

    private static void RequirePublicKeyShape(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != EphemeralKeyPair.PublicKeySize || publicKey[0] != 0x04)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidPublicKey, "a public key is 65 bytes starting with 0x04 (uncompressed P-256)");
        }
    }

    private static void RequireNonce(ReadOnlySpan<byte> nonce, string what)
    {
        if (nonce.Length != NonceSize)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidField, $"a {what} is {NonceSize} bytes");
        }
    }
}
