using System.Security.Cryptography;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.Identity;

/// <summary>
/// The gateway's verification code: the secret the binding hash is computed over (docs/protocol.md
/// 3.6), known to the gateway and to the cloud (the factory's records), never sent in clear and not
/// on the QR label. 20 random symbols of Crockford's Base32 (100 bits) in four groups of five,
/// <c>7KQ2M-9XCVB-4TRPH-3NSA0</c>. The grouped text is the code itself, hashed as written: what a
/// person reads off the factory record is exactly what the cloud must hold.
/// </summary>
public static class VerificationCode
{
    /// <summary>Random symbols in a code.</summary>
    public const int SymbolCount = 20;

    /// <summary>Symbols per group.</summary>
    public const int GroupSize = 5;

    /// <summary>Length of a generated code with its separators.</summary>
    public const int Length = SymbolCount + (SymbolCount / GroupSize) - 1;

    /// <summary>The longest code the binding hash accepts (a code imported from elsewhere may differ in form).</summary>
    public const int MaxLength = 128;

    /// <summary>A new random code.</summary>
    public static SecretString Generate()
    {
        Span<char> text = stackalloc char[Length];
        for (int i = 0, at = 0; i < SymbolCount; i++)
        {
            if (i > 0 && i % GroupSize == 0)
            {
                text[at++] = '-';
            }
            text[at++] = SetupCode.Alphabet[RandomNumberGenerator.GetInt32(SetupCode.Alphabet.Length)];
        }
        var code = new SecretString(new string(text));
        text.Clear();
        return code;
    }

    /// <summary>
    /// True when <paramref name="code"/> can be a verification code: 1 to 128 printable ASCII
    /// characters (what the binding hash accepts, without control characters or spaces).
    /// </summary>
    public static bool IsValid(SecretString? code)
    {
        if (code is null || code.Length is 0 or > MaxLength)
        {
            return false;
        }
        foreach (var c in code.Reveal())
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }
        return true;
    }
}
