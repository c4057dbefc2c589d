using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Crypto;

/// <summary>
/// The binding hash of the seed's embodiment 2: it proves to the cloud that the APP asking to bind
/// a gateway was just talking to that gateway. The cloud gives the APP a random nonce at login; the
/// APP passes it to the gateway in searchDevice; the gateway answers with this hash in deviceInfo;
/// the APP hands it to the cloud with its bind request.
/// </summary>
public static class BindingHash
{
    /// <summary>Domain-separation label hashed before the code.</summary>
    public const string Label = "pi-gateway/v2 bind";

    /// <summary>Minimum and maximum nonce size in bytes.</summary>
    public const int MinNonceSize = 16, MaxNonceSize = 32;

    /// <summary>
    /// hash = lowercase hex of SHA-256(ASCII(label) || 0x00 || UTF-8(verification code) || 0x00 || nonce).
    /// </summary>
    public static string Compute(string verificationCode, ReadOnlySpan<byte> nonce)
    {
        ArgumentNullException.ThrowIfNull(verificationCode);
        if (verificationCode.Length == 0 || verificationCode.Length > 128)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidField, "a verification code is 1 to 128 characters");
        }
        if (nonce.Length is < MinNonceSize or > MaxNonceSize)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidField, $"a binding nonce is {MinNonceSize} to {MaxNonceSize} bytes");
        }
        var label = Encoding.ASCII.GetBytes(Label);
        var code = Encoding.UTF8.GetBytes(verificationCode);
        var input = new byte[label.Length + 1 + code.Length + 1 + nonce.Length];
        label.CopyTo(input, 0);
        code.CopyTo(input, label.Length + 1);
        nonce.CopyTo(input.AsSpan(label.Length + 1 + code.Length + 1));
        var hash = SHA256.HashData(input);
        CryptographicOperations.ZeroMemory(input);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Constant-time check of a presented hash against the expected one.</summary>
    public static bool Verify(string verificationCode, ReadOnlySpan<byte> nonce, string presentedHash)
    {
        ArgumentNullException.ThrowIfNull(presentedHash);
        var expected = Encoding.ASCII.GetBytes(Compute(verificationCode, nonce));
        var presented = Encoding.ASCII.GetBytes(presentedHash);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }
}
