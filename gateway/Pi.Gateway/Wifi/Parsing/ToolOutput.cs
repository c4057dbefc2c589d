namespace Pi.Gateway.Wifi.Parsing;

/// <summary>
/// Bounds for the text a Wi-Fi tool prints. Parsers read outputs that a radio, a driver or a
/// neighbour's access point shapes, so they bound the work before doing it: an output larger than
/// <see cref="MaxChars"/> is refused with a <see cref="WifiException"/>, a line longer than
/// <see cref="MaxLineChars"/> is skipped, and no more than <see cref="MaxEntries"/> networks are read.
/// </summary>
public static class ToolOutput
{
    /// <summary>Largest output read (a busy 2.4 + 5 GHz <c>iw</c> scan is a few hundred KiB).</summary>
    public const int MaxChars = 4 * 1024 * 1024;

    /// <summary>Longest line read; longer ones (a hex IE dump, say) are skipped.</summary>
    public const int MaxLineChars = 8 * 1024;

    /// <summary>Most networks (BSS entries, cells, rows) read from one output.</summary>
    public const int MaxEntries = 1024;

    /// <summary>Refuses an output larger than <see cref="MaxChars"/>.</summary>
    /// <exception cref="WifiException">The output is too large.</exception>
    internal static void CheckSize(string? text, string tool)
    {
        if (text is not null && text.Length > MaxChars)
        {
            throw new WifiException($"{tool} output is larger than {MaxChars} characters");
        }
    }

    /// <summary>The lines of <paramref name="text"/> (LF or CRLF), skipping any longer than <see cref="MaxLineChars"/>.</summary>
    internal static IEnumerable<string> Lines(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0)
            {
                end = text.Length;
            }
            var length = end - start;
            if (length > 0 && text[end - 1] == '\r')
            {
                length--;
            }
            if (length <= MaxLineChars && !(end == text.Length && length == 0))
            {
                yield return text.Substring(start, length);
            }
            start = end + 1;
        }
    }
}
