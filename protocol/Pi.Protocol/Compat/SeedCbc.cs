using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Compat;

/// <summary>
/// INSECURE. The seed's own cipher, kept only to talk to devices that speak it: AES-128-CBC with a
/// 32-character key string (AES key = UTF-8 of its first 16 characters, IV = UTF-8 of its last 16),
/// the plaintext zero-padded to a 16-byte boundary and then PKCS#7-padded, Base64 on the wire.
/// </summary>
/// <remarks>
/// It has no integrity (anyone can flip bits), a fixed IV (equal plaintext prefixes show), and its
/// padding check is an oracle. No party uses it unless configured to; never make it a default.
/// </remarks>
public static class SeedCbc
{
    /// <summary>The suite name used in settings and tools.</summary>
    public const string SuiteName = "seed-cbc";

    /// <summary>Length of the key string.</summary>
    public const int KeyLength = 32;

    /// <summary>Largest ciphertext (decoded) accepted.</summary>
    public const int MaxCiphertextBytes = 64 * 1024;

    private const int Block = 16;

    /// <summary>The seed's <c>encrypt(content, key)</c>.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolErrorCode.InvalidKey"/> for a key that is not 32 ASCII characters.</exception>
    public static string Encrypt(string content, string key)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var aes = CreateAes(key, out var iv);
        var text = Encoding.UTF8.GetBytes(content);
        if (text.Length > MaxCiphertextBytes - Block)
        {
            throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"seed-cbc content is limited to {MaxCiphertextBytes - Block} bytes");
        }
        var zeroPadded = new byte[(text.Length + Block - 1) / Block * Block];
        text.CopyTo(zeroPadded, 0);
        return Convert.ToBase64String(aes.EncryptCbc(zeroPadded, iv, PaddingMode.PKCS7));
    }

    /// <summary>The seed's <c>decrypt(data, key)</c>: trailing zero padding is removed.</summary>
    /// <exception cref="ProtocolException">
    /// <see cref="ProtocolErrorCode.InvalidKey"/>, <see cref="ProtocolErrorCode.InvalidEncoding"/> (not Base64),
    /// <see cref="ProtocolErrorCode.FrameTooLarge"/> or <see cref="ProtocolErrorCode.DecryptFailed"/> (one code for
    /// every padding or text failure, so the error itself adds no oracle).
    /// </exception>
    public static string Decrypt(string data, string key)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var aes = CreateAes(key, out var iv);
        var trimmed = data.AsSpan().Trim();
        // Bound before decoding: Base64 of MaxCiphertextBytes is at most this many characters.
        if (trimmed.Length > (MaxCiphertextBytes + 2) / 3 * 4)
        {
            throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"seed-cbc data is limited to {MaxCiphertextBytes} bytes");
        }
        var ciphertext = new byte[trimmed.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64Chars(trimmed, ciphertext, out var length))
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidEncoding, "seed-cbc data is not Base64");
        }
        if (length == 0 || length % Block != 0)
        {
            throw new ProtocolException(ProtocolErrorCode.DecryptFailed, "seed-cbc data does not decrypt");
        }
        byte[] padded;
        try
        {
            padded = aes.DecryptCbc(ciphertext.AsSpan(0, length), iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException ex)
        {
            throw new ProtocolException(ProtocolErrorCode.DecryptFailed, "seed-cbc data does not decrypt", ex);
        }
        var end = padded.Length;
        while (end > 0 && padded[end - 1] == 0)
        {
            end--;
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(padded, 0, end);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ProtocolException(ProtocolErrorCode.DecryptFailed, "seed-cbc data does not decrypt", ex);
        }
    }

    private static Aes CreateAes(string key, out byte[] iv)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != KeyLength || !Ascii.IsValid(key) || key.Any(char.IsControl))
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidKey, "a seed-cbc key is 32 printable ASCII characters");
        }
        var aes = Aes.Create();
        aes.Key = Encoding.ASCII.GetBytes(key, 0, Block);
        iv = Encoding.ASCII.GetBytes(key, Block, Block);
        return aes;
    }
}
