using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Compat;
using Pi.Protocol.Errors;
using Xunit.Abstractions;
using static Pi.Protocol.Errors.ProtocolErrorCode;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// SeedCbc.Decrypt over mutated Base64 text, mutated ciphertext bytes and mutated keys, against a
/// reference decryption (AES-CBC without padding, PKCS#7 and zero padding checked by hand).
/// seed-cbc has no integrity, so a mutated ciphertext may decrypt: it must then give exactly the
/// reference's text.
/// </summary>
public sealed class Seed_Cbc_Decrypt_Mutation_Tests(ITestOutputHelper output)
{
    private const string Key = "0123456789abcdef!\"#$%&'()*+,-./~";
    private const string Base64Symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n";

    /// <summary>Base64 data and the key it is decrypted with.</summary>
    internal sealed record CbcInput(string Data, string Key)
    {
        public override string ToString() => $"data {Fuzz.Show(Data)} key {Fuzz.Show(Key)}";
    }

    [Fact]
    public void Mutated_seed_cbc_data_decrypts_exactly_as_the_reference_or_fails_with_a_defined_code()
    {
        string[] contents = ["", "a", "fifteen chars!!", "sixteen chars!!!", "seventeen chars!!", "héllo wörld 你好 😀", """{"type":"ssid","password":"pa ss"}""", new string('x', 1000)];
        var ciphertexts = contents.Select(content => SeedCbc.Encrypt(content, Key)).ToList();
        var text = new TextMutator(ciphertexts, Base64Symbols, longLength: (SeedCbc.MaxCiphertextBytes + 2) / 3 * 4 + 1);
        var bytes = new ByteMutator(ciphertexts.Select(Convert.FromBase64String), [], hotBytes: 16, maxExtension: 64);
        string[] badKeys = [Key[..31], Key + "x", Key[..31] + "\u00e4", Key[..31] + "\n", "", new string('k', 32), Key.ToUpperInvariant()];
        var run = new FuzzRun("SeedCbc.Decrypt", output);
        string? decrypted = null;

        run.Run<CbcInput>(
            Fuzz.Cases,
            (rng, index) =>
            {
                if (index < text.Corpus.Sum(c => c.Length))
                {
                    var truncated = text.Next(rng, index);
                    return new(new CbcInput(truncated.Input, Key), truncated.Description);
                }
                switch (rng.Next(20))
                {
                    case 0:
                        var key = badKeys[rng.Next(badKeys.Length)];
                        return new(new CbcInput(ciphertexts[rng.Next(ciphertexts.Count)], key), "original data, other key");
                    case < 10:
                        var mutated = bytes.Random(rng);
                        return new(new CbcInput(Convert.ToBase64String(mutated.Input), Key), "ciphertext " + mutated.Description);
                    default:
                        var item = text.Next(rng, index);
                        return new(new CbcInput(item.Input, Key), "text " + item.Description);
                }
            },
            input =>
            {
                decrypted = null;
                decrypted = SeedCbc.Decrypt(input.Data, input.Key);
                return Outcome.Success();
            },
            (item, outcome) =>
            {
                var (expected, code) = Reference(item.Input.Data, item.Input.Key);
                return outcome.IsSuccess
                    ? (code is { } c ? $"decrypted, but the reference fails with {ProtocolErrors.Name(c)}"
                        : decrypted != expected ? "decrypted to another text than the reference" : null)
                    : outcome.Code != code ? $"the reference says {(code is null ? "success" : ProtocolErrors.Name(code.Value))}" : null;
            },
            input => 32_768 + (8L * input.Data.Length));

        run.AssertReached(InvalidKey, FrameTooLarge, InvalidEncoding, DecryptFailed);
        run.AssertReached("ok");
    }

    private static readonly Aes ReferenceAes = CreateAes(Key);

    private static Aes CreateAes(string key)
    {
        var aes = Aes.Create();
        aes.Key = Encoding.ASCII.GetBytes(key[..16]);
        return aes;
    }

    private static byte[] DecryptOnce(byte[] ciphertext, string key)
    {
        using var aes = CreateAes(key);
        return aes.DecryptCbc(ciphertext, Encoding.ASCII.GetBytes(key[16..]), PaddingMode.None);
    }

    /// <summary>The reference: the text, or the one code the documented checks give, in their documented order.</summary>
    private static (string? Text, ProtocolErrorCode? Code) Reference(string data, string key)
    {
        if (key.Length != 32 || key.Any(c => c is < ' ' or > '~'))
        {
            return (null, InvalidKey);
        }
        var trimmed = data.Trim();
        if (trimmed.Length > (SeedCbc.MaxCiphertextBytes + 2) / 3 * 4)
        {
            return (null, FrameTooLarge);
        }
        byte[] ciphertext;
        try
        {
            ciphertext = Convert.FromBase64String(trimmed);
        }
        catch (FormatException)
        {
            return (null, InvalidEncoding);
        }
        if (ciphertext.Length == 0 || ciphertext.Length % 16 != 0)
        {
            return (null, DecryptFailed);
        }
        var padded = key == Key
            ? ReferenceAes.DecryptCbc(ciphertext, Encoding.ASCII.GetBytes(key[16..]), PaddingMode.None)
            : DecryptOnce(ciphertext, key);
        var pad = padded[^1];
        if (pad is 0 or > 16 || padded.AsSpan(padded.Length - pad).ContainsAnyExcept(pad))
        {
            return (null, DecryptFailed);
        }
        var end = padded.Length - pad;
        while (end > 0 && padded[end - 1] == 0)
        {
            end--;
        }
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(padded, 0, end), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, DecryptFailed);
        }
    }
}
