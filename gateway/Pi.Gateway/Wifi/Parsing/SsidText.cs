using System.Text;

namespace Pi.Gateway.Wifi.Parsing;

/// <summary>
/// Turns the SSID text that the tools print back into the SSID, and decides whether it can be
/// listed. An SSID is up to 32 arbitrary bytes; the tools escape the bytes they cannot print:
/// <c>iw</c> and <c>iwlist</c> as <c>\xNN</c>, wpa_supplicant and hostapd (<c>printf_encode</c>)
/// as <c>\xNN</c>, <c>\\</c>, <c>\"</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\e</c>. nmcli prints
/// the SSID as UTF-8 text and escapes only its field separator (handled by the nmcli parser).
/// </summary>
public static class SsidText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes <paramref name="escaped"/> into bytes: <c>\xNN</c> always, and the C escapes when
    /// <paramref name="cEscapes"/> (wpa_supplicant/hostapd). Returns null when the text is longer
    /// than any SSID could print or an escape is malformed.
    /// </summary>
    public static byte[]? Unescape(string escaped, bool cEscapes)
    {
        ArgumentNullException.ThrowIfNull(escaped);
        // 32 bytes, each at most 4 characters escaped.
        if (escaped.Length > SsidEntryLimits.MaxSsidBytes * 4)
        {
            return null;
        }
        var bytes = new List<byte>(escaped.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < escaped.Length; i++)
        {
            var c = escaped[i];
            if (c != '\\')
            {
                if (char.IsSurrogate(c))
                {
                    if (!char.IsHighSurrogate(c) || i + 1 >= escaped.Length || !char.IsLowSurrogate(escaped[i + 1]))
                    {
                        return null;
                    }
                    var rune = new Rune(c, escaped[i + 1]);
                    var n = rune.EncodeToUtf8(utf8);
                    for (var k = 0; k < n; k++)
                    {
                        bytes.Add(utf8[k]);
                    }
                    i++;
                    continue;
                }
                var written = new Rune(c).EncodeToUtf8(utf8);
                for (var k = 0; k < written; k++)
                {
                    bytes.Add(utf8[k]);
                }
                continue;
            }
            if (i + 1 >= escaped.Length)
            {
                return null;
            }
            var next = escaped[++i];
            switch (next)
            {
                case 'x':
                    if (i + 2 >= escaped.Length || !IsHex(escaped[i + 1]) || !IsHex(escaped[i + 2]))
                    {
                        return null;
                    }
                    bytes.Add((byte)((HexValue(escaped[i + 1]) << 4) | HexValue(escaped[i + 2])));
                    i += 2;
                    break;
                case '\\' when cEscapes:
                    bytes.Add((byte)'\\');
                    break;
                case '"' when cEscapes:
                    bytes.Add((byte)'"');
                    break;
                case 'n' when cEscapes:
                    bytes.Add((byte)'\n');
                    break;
                case 'r' when cEscapes:
                    bytes.Add((byte)'\r');
                    break;
                case 't' when cEscapes:
                    bytes.Add((byte)'\t');
                    break;
                case 'e' when cEscapes:
                    bytes.Add(0x1b);
                    break;
                default:
                    return null;
            }
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// The SSID as listable text, or null when it cannot be listed: empty (hidden), longer than
    /// 32 bytes, not valid UTF-8 (including text that already holds U+FFFD from decoding a tool's
    /// output), or holding control characters (NUL bytes: a hidden network's placeholder).
    /// </summary>
    public static string? ToListable(ReadOnlySpan<byte> ssid)
    {
        if (ssid.Length is 0 or > SsidEntryLimits.MaxSsidBytes)
        {
            return null;
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(ssid);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        return IsListable(text) ? text : null;
    }

    /// <summary>The SSID text as listable (nmcli prints SSIDs as text already), or null.</summary>
    public static string? ToListable(string? ssid)
    {
        if (string.IsNullOrEmpty(ssid) || ssid.Length > SsidEntryLimits.MaxSsidBytes)
        {
            return null;
        }
        try
        {
            if (StrictUtf8.GetByteCount(ssid) > SsidEntryLimits.MaxSsidBytes)
            {
                return null;
            }
        }
        catch (EncoderFallbackException)
        {
            return null;
        }
        return IsListable(ssid) ? ssid : null;
    }

    private static bool IsListable(string text)
    {
        foreach (var c in text)
        {
            // U+FFFD: bytes that were not UTF-8 when the tool's output was decoded.
            if (char.IsControl(c) || c == '\uFFFD')
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/// <summary>The limits of <see cref="Pi.Protocol.Messages.SsidEntry"/>, in one place.</summary>
internal static class SsidEntryLimits
{
    public const int MaxSsidBytes = Pi.Protocol.Messages.SsidEntry.MaxSsidBytes;
    public const int MinSignal = -127;
    public const int MaxSignal = 0;
}
