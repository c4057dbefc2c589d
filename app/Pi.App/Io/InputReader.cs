using System.Text;
using Pi.Protocol.Errors;

namespace Pi.App.Io;

/// <summary>How the text of a data or plaintext argument is turned into bytes.</summary>
internal enum InputEncoding
{
    /// <summary>Hex if the text is all hex digits of even length, else Base64 (for a file: its raw bytes if it is neither).</summary>
    Auto,
    /// <summary>Hex digits (whitespace ignored).</summary>
    Hex,
    /// <summary>Base64 (whitespace ignored).</summary>
    Base64,
    /// <summary>The text's UTF-8 bytes (for a file: its bytes as they are).</summary>
    Text,
    /// <summary>A file's bytes as they are (for a literal or stdin: the text's UTF-8 bytes).</summary>
    Raw,
}

/// <summary>
/// Reads data, plaintext and key arguments: a literal, <c>@path</c> for a file, or <c>-</c> for
/// standard input. Sizes are bounded before anything is decoded.
/// </summary>
internal static class InputReader
{
    /// <summary>Largest input accepted, in bytes after decoding (the envelope limit any receiver may set).</summary>
    public const int MaxInputBytes = 1024 * 1024;

    /// <summary>Largest input text accepted (hex doubles the size).</summary>
    private const int MaxInputChars = MaxInputBytes * 2 + 1024;

    public static readonly string[] EncodingNames = ["auto", "hex", "base64", "text", "raw"];

    public static InputEncoding ParseEncoding(string? name) => name switch
    {
        null or "auto" => InputEncoding.Auto,
        "hex" => InputEncoding.Hex,
        "base64" => InputEncoding.Base64,
        "text" => InputEncoding.Text,
        "raw" => InputEncoding.Raw,
        _ => throw new UsageException($"unknown input encoding '{name}' (use {string.Join(", ", EncodingNames)})"),
    };

    /// <summary>Reads an argument and decodes it to bytes.</summary>
    public static async Task<byte[]> ReadBytesAsync(string argument, InputEncoding encoding, CliContext io, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.StartsWith('@'))
        {
            var bytes = await ReadFileAsync(argument[1..], cancellationToken).ConfigureAwait(false);
            return encoding switch
            {
                InputEncoding.Raw or InputEncoding.Text => bytes,
                InputEncoding.Auto => TryStrictUtf8(bytes, out var text) && TryDecodeAuto(text, out var decoded) ? decoded : bytes,
                _ => Decode(StrictUtf8OrThrow(bytes), encoding),
            };
        }
        var value = argument == "-" ? await ReadStdinAsync(io, cancellationToken).ConfigureAwait(false) : argument;
        return Decode(value, encoding);
    }

    /// <summary>Reads an argument as text (keys, setup codes): a literal or <c>@path</c>; never stdin.</summary>
    public static async Task<string> ReadTextAsync(string argument, string what, CliContext io, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (!argument.StartsWith('@'))
        {
            return argument;
        }
        var bytes = await ReadFileAsync(argument[1..], cancellationToken).ConfigureAwait(false);
        if (!TryStrictUtf8(bytes, out var text))
        {
            throw new UsageException($"the {what} file '{argument[1..]}' is not UTF-8 text");
        }
        var trimmed = text.Trim();
        io.AddSecret(trimmed);
        return trimmed;
    }

    /// <summary>Decodes text in the given encoding.</summary>
    public static byte[] Decode(string text, InputEncoding encoding)
    {
        switch (encoding)
        {
            case InputEncoding.Text:
            case InputEncoding.Raw:
                return Encoding.UTF8.GetBytes(text);
            case InputEncoding.Hex:
                return TryDecodeHex(text, out var hex)
                    ? hex
                    : throw new ProtocolException(ProtocolErrorCode.InvalidEncoding, "the data is not hex (it needs an even number of digits 0-9, a-f)");
            case InputEncoding.Base64:
                return TryDecodeBase64(text, out var base64)
                    ? base64
                    : throw new ProtocolException(ProtocolErrorCode.InvalidEncoding, "the data is not valid Base64");
            default:
                return TryDecodeAuto(text, out var auto)
                    ? auto
                    : throw new ProtocolException(ProtocolErrorCode.InvalidEncoding, "the data is neither hex (an even number of hex digits) nor Base64; say which with --in");
        }
    }

    private static bool TryDecodeAuto(string text, out byte[] bytes)
    {
        var compact = RemoveWhitespace(text);
        if (compact.Length > 0 && compact.Length % 2 == 0 && compact.All(char.IsAsciiHexDigit))
        {
            bytes = Convert.FromHexString(compact);
            return true;
        }
        return TryDecodeBase64(compact, out bytes);
    }

    private static bool TryDecodeHex(string text, out byte[] bytes)
    {
        var compact = RemoveWhitespace(text);
        if (compact.Length == 0 || compact.Length % 2 != 0 || !compact.All(char.IsAsciiHexDigit))
        {
            bytes = [];
            return false;
        }
        bytes = Convert.FromHexString(compact);
        return true;
    }

    private static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        var compact = RemoveWhitespace(text);
        var buffer = new byte[compact.Length / 4 * 3 + 3];
        if (compact.Length > 0 && Convert.TryFromBase64String(compact, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }
        bytes = [];
        return false;
    }

    private static string RemoveWhitespace(string text)
    {
        if (text.Length > MaxInputChars)
        {
            throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"the input is longer than {MaxInputChars} characters");
        }
        return string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
    }

    private static async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        if (path.Length == 0)
        {
            throw new UsageException("'@' must be followed by a file path");
        }
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new UsageException($"cannot read '{path}': no such file");
            }
            if (info.Length > MaxInputChars)
            {
                throw new UsageException($"cannot read '{path}': larger than {MaxInputChars} bytes");
            }
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"cannot read '{path}': {ex.Message}", ex);
        }
    }

    private static async Task<string> ReadStdinAsync(CliContext io, CancellationToken cancellationToken)
    {
        var buffer = new char[8192];
        var text = new StringBuilder();
        int read;
        while ((read = await io.In.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > MaxInputChars)
            {
                throw new UsageException($"standard input is longer than {MaxInputChars} characters");
            }
        }
        return text.ToString();
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool TryStrictUtf8(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }

    private static string StrictUtf8OrThrow(byte[] bytes) =>
        TryStrictUtf8(bytes, out var text)
            ? text
            : throw new ProtocolException(ProtocolErrorCode.InvalidEncoding, "the file is not text; use --in raw for binary data");
}
