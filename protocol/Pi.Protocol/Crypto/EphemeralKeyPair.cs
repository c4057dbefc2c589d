using System.Security.Cryptography;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Crypto;

/// <summary>
/// An ECDH P-256 key pair: the APP's "second key pair" (new per APP session) or the gateway's
/// "third key pair" (new per answered search). The private key never leaves this object.
/// </summary>
public sealed class EphemeralKeyPair : IDisposable
{
    /// <summary>An uncompressed SEC1 point: 0x04 || X (32) || Y (32).</summary>
    public const int PublicKeySize = 65;

    private const int CoordinateSize = 32;
    private readonly ECDiffieHellman _ecdh;
    private readonly byte[] _publicKey;

    private EphemeralKeyPair(ECDiffieHellman ecdh)
    {
        _ecdh = ecdh;
        var q = ecdh.ExportParameters(includePrivateParameters: false).Q;
        _publicKey = new byte[PublicKeySize];
        _publicKey[0] = 0x04;
        q.X!.CopyTo(_publicKey, 1);
        q.Y!.CopyTo(_publicKey, 1 + CoordinateSize);
    }

    /// <summary>The public key as 65 bytes (uncompressed SEC1), the payload region of a frame.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>A fresh key pair.</summary>
    public static EphemeralKeyPair Generate() => new(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>
    /// A key pair from a fixed 32-byte private scalar. Only for test vectors and interop checks:
    /// real parties always use <see cref="Generate"/>.
    /// </summary>
    public static EphemeralKeyPair FromPrivateKey(ReadOnlySpan<byte> privateScalar)
    {
        if (privateScalar.Length != CoordinateSize)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidKey, "a P-256 private key is 32 bytes");
        }
        var ecdh = ECDiffieHellman.Create();
        try
        {
            ecdh.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = privateScalar.ToArray() });
            return new EphemeralKeyPair(ecdh);
        }
        catch (CryptographicException ex)
        {
            ecdh.Dispose();
            throw new ProtocolException(ProtocolErrorCode.InvalidKey, "not a valid P-256 private key", ex);
        }
    }

    /// <summary>
    /// ECDH with a peer's public key: the 32-byte X coordinate of the shared point.
    /// </summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolErrorCode.InvalidPublicKey"/> if the peer's key is not a point on P-256.</exception>
    public byte[] DeriveSharedSecret(ReadOnlySpan<byte> peerPublicKey)
    {
        using var peer = ImportPublicKey(peerPublicKey);
        return _ecdh.DeriveRawSecretAgreement(peer.PublicKey);
    }

    /// <summary>Checks that <paramref name="publicKey"/> is an uncompressed point on P-256.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolErrorCode.InvalidPublicKey"/>.</exception>
    public static void ValidatePublicKey(ReadOnlySpan<byte> publicKey)
    {
        using var _ = ImportPublicKey(publicKey);
    }

    private static ECDiffieHellman ImportPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeySize || publicKey[0] != 0x04)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidPublicKey, "a public key is 65 bytes starting with 0x04 (uncompressed P-256)");
        }
        var peer = ECDiffieHellman.Create();
        try
        {
            peer.ImportParameters(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint
                {
                    X = publicKey.Slice(1, CoordinateSize).ToArray(),
                    Y = publicKey.Slice(1 + CoordinateSize, CoordinateSize).ToArray(),
                },
            });
            return peer;
        }
        catch (CryptographicException ex)
        {
            peer.Dispose();
            throw new ProtocolException(ProtocolErrorCode.InvalidPublicKey, "the public key is not a point on P-256", ex);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _ecdh.Dispose();

    /// <summary>Prints the public key only.</summary>
    public override string ToString() => $"EphemeralKeyPair(public {Convert.ToHexString(_publicKey, 0, 8)}...)";
}
