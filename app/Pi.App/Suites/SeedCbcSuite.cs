using System.Text;
using Pi.App.Io;
using Pi.Protocol.Compat;
using Pi.Protocol.Errors;

namespace Pi.App.Suites;

/// <summary>
/// The <c>seed-cbc</c> suite: the seed's own AES-128-CBC format (no integrity, fixed IV). Here only to
/// read and write traffic of devices that speak it.
/// </summary>
internal static class SeedCbcSuite
{
    public const string Name = SeedCbc.SuiteName;

    public static void Decode(byte[] ciphertext, string key, OutputEncoding output, CliContext io)
    {
        var text = SeedCbc.Decrypt(Convert.ToBase64String(ciphertext), key);
        Fields.Write(io.Out, "suite", "seed-cbc (AES-128-CBC without integrity: INSECURE, compatibility only)");
        Fields.Write(io.Out, "plaintext", output == OutputEncoding.Auto ? text : OutputFormatter.FormatPlaintext(Encoding.UTF8.GetBytes(text), output));
    }

    public static string Encode(byte[] plaintext, string key, OutputEncoding output)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(plaintext);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidEncoding, "seed-cbc seals text: the plaintext is not UTF-8", ex);
        }
        var base64 = SeedCbc.Encrypt(text, key);
        return OutputFormatter.FormatSealed(Convert.FromBase64String(base64), output);
    }
}
