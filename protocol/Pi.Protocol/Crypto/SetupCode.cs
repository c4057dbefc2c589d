using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Crypto;

/// <summary>
/// The gateway's setup code, printed on its label and typed or scanned by the APP. It is the secret
/// that authenticates the key agreement on the open softAP.
/// </summary>
/// <remarks>
/// 17 random symbols of Crockford's Base32 (85 bits) and one Luhn mod 32 check symbol, shown as three
/// groups of six: <c>7KQ2-...</c> style <c>XXXXXX-XXXXXX-XXXXXX</c>. Parsing ignores case, spaces and
/// hyphens, reads O as 0 and I or L as 1, and rejects a code whose check symbol does not match,
/// which catches every single mistyped symbol. The code prints as <c>***</c>;
/// <see cref="ToDisplayString"/> is the explicit way to show it.
/// </remarks>
public sealed class SetupCode : IEquatable<SetupCode>
{
    /// <summary>Crockford's Base32 alphabet (no I, L, O, U).</summary>
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>Random symbols in a code.</summary>
    public const int DataLength = 17;

    /// <summary>Symbols in a code including the check symbol.</summary>
    public const int Length = DataLength + 1;

    /// <summary>Random bits in a code.</summary>
    public const int EntropyBits = DataLength * 5;

    private readonly string _canonical;

    private SetupCode(string canonical) => _canonical = canonical;

    /// <summary>A new random code.</summary>
    public static SetupCode Generate()
    {
        var symbols = new char[Length];
        for (var i = 0; i < DataLength; i++)
        {
            symbols[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
        symbols[DataLength] = CheckSymbol(symbols.AsSpan(0, DataLength));
        return new SetupCode(new string(symbols));
    }

    /// <summary>Parses a code as typed by a person.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolErrorCode.InvalidSetupCode"/>; the message never repeats the input.</exception>
    public static SetupCode Parse(string text) =>
        TryParse(text, out var code, out var reason)
            ? code
            : throw new ProtocolException(ProtocolErrorCode.InvalidSetupCode, reason);

    /// <summary>Parses a code; on failure <paramref name="reason"/> says why without repeating the input.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SetupCode? code, out string reason)
    {
        code = null;
        if (text is null || text.Length > 64)
        {
            reason = "a setup code is 18 symbols";
            return false;
        }
        Span<char> symbols = stackalloc char[Length];
        var count = 0;
        foreach (var raw in text)
        {
            if (raw is ' ' or '-')
            {
                continue;
            }
            var symbol = Normalize(raw);
            if (Alphabet.IndexOf(symbol, StringComparison.Ordinal) < 0)
            {
                reason = "a setup code uses only digits and the letters A-Z without U";
                return false;
            }
            if (count == Length)
            {
                reason = "a setup code is 18 symbols";
                return false;
            }
            symbols[count++] = symbol;
        }
        if (count != Length)
        {
            reason = "a setup code is 18 symbols";
            return false;
        }
        if (CheckSymbol(symbols[..DataLength]) != symbols[DataLength])
        {
            reason = "the setup code's check symbol does not match: a symbol was mistyped";
            return false;
        }
        code = new SetupCode(new string(symbols));
        reason = string.Empty;
        return true;
    }

    /// <summary>The code as printed on the label: three groups of six symbols.</summary>
    public string ToDisplayString() => $"{_canonical[..6]}-{_canonical[6..12]}-{_canonical[12..]}";

    /// <summary>The 18 symbols without separators (upper case). This is what the key derivation hashes.</summary>
    public string ToCanonicalString() => _canonical;

    /// <summary>SHA-256 of the ASCII canonical form: the salt of the agreekey derivation.</summary>
    public byte[] ComputeSecret() => SHA256.HashData(Encoding.ASCII.GetBytes(_canonical));

    /// <summary>The Luhn mod 32 check symbol over the given data symbols.</summary>
    internal static char CheckSymbol(ReadOnlySpan<char> data)
    {
        const int n = 32;
        var factor = 2;
        var sum = 0;
        for (var i = data.Length - 1; i >= 0; i--)
        {
            var addend = factor * Alphabet.IndexOf(data[i], StringComparison.Ordinal);
            factor = factor == 2 ? 1 : 2;
            sum += (addend / n) + (addend % n);
        }
        return Alphabet[(n - (sum % n)) % n];
    }

    private static char Normalize(char c)
    {
        c = char.ToUpperInvariant(c);
        return c switch
        {
            'O' => '0',
            'I' or 'L' => '1',
            _ => c,
        };
    }

    /// <summary>Constant-time comparison.</summary>
    public bool Equals(SetupCode? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(_canonical), Encoding.ASCII.GetBytes(other._canonical));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SetupCode);

    /// <inheritdoc />
    public override int GetHashCode() => 0x5e7c0de;

    /// <summary>Redacted: setup codes never print.</summary>
    public override string ToString() => "SetupCode(***)";
}
