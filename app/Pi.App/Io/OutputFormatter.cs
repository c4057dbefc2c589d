using System.Text;
using System.Text.Unicode;

namespace Pi.App.Io;

/// <summary>How bytes are printed.</summary>
internal enum OutputEncoding
{
    /// <summary>The command's natural choice (text for readable plaintext, Base64 for sealed forms).</summary>
    Auto,
    /// <summary>Lower-case hex.</summary>
    Hex,
    /// <summary>Base64.</summary>
    Base64,
    /// <summary>UTF-8 text (invalid sequences shown as U+FFFD).</summary>
    Text,
}

/// <summary>Formats bytes for printing.</summary>
internal static class OutputFormatter
{
    public static readonly string[] EncodingNames = ["auto", "hex", "base64", "text"];

    public static OutputEncoding ParseEncoding(string? name) => name switch
    {
        null or "auto" => OutputEncoding.Auto,
        "hex" => OutputEncoding.Hex,
        "base64" => OutputEncoding.Base64,
        "text" => OutputEncoding.Text,
        _ => throw new UsageException($"unknown output encoding '{name}' (use {string.Join(", ", EncodingNames)})"),
    };

    /// <summary>Plaintext: as text when it reads as text, else hex, unless forced.</summary>
    public static string FormatPlaintext(ReadOnlySpan<byte> bytes, OutputEncoding encoding) => encoding switch
    {
        OutputEncoding.Hex => Convert.ToHexStringLower(bytes),
        OutputEncoding.Base64 => Convert.ToBase64String(bytes),
        OutputEncoding.Text => Encoding.UTF8.GetString(bytes),
        _ => IsReadableText(bytes, out var text) ? text : Convert.ToHexStringLower(bytes),
    };

    /// <summary>Sealed bytes: Base64 by default, or hex.</summary>
    public static string FormatSealed(ReadOnlySpan<byte> bytes, OutputEncoding encoding) => encoding switch
    {
        OutputEncoding.Hex => Convert.ToHexStringLower(bytes),
        OutputEncoding.Text => throw new UsageException("sealed bytes are binary: use --out base64 or --out hex"),
        _ => Convert.ToBase64String(bytes),
    };

    /// <summary>True when the bytes are strict UTF-8 without control characters other than tab and line breaks.</summary>
    public static bool IsReadableText(ReadOnlySpan<byte> bytes, out string text)
    {
        text = string.Empty;
        if (bytes.IsEmpty || !Utf8.IsValid(bytes))
        {
            return bytes.IsEmpty;
        }
        var decoded = Encoding.UTF8.GetString(bytes);
        foreach (var c in decoded)
        {
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
            {
                return false;
            }
        }
        text = decoded;
        return true;
    }

    /// <summary>Hex for the walkthrough: cut in the middle when long, unless <paramref name="full"/>.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes, bool full, int keepHead = 40, int keepTail = 8)
    {
        if (full || bytes.Length <= keepHead + keepTail + 8)
        {
            return Convert.ToHexStringLower(bytes);
        }
        return $"{Convert.ToHexStringLower(bytes[..keepHead])}...{Convert.ToHexStringLower(bytes[^keepTail..])}";
    }
}
