namespace Pi.Gateway.Wifi.Parsing;

/// <summary>The <c>key=value</c> lines that <c>wpa_cli status</c> and <c>hostapd_cli status</c> print.</summary>
internal static class KeyValueOutput
{
    /// <summary>Most keys read (a Wi-Fi 7 hostapd with a few BSSes prints about 100).</summary>
    public const int MaxKeys = 512;

    public static Dictionary<string, string> Read(string? output, string tool)
    {
        ToolOutput.CheckSize(output, tool);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in ToolOutput.Lines(output))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                // "Selected interface 'wlan0'" and other chatter.
                continue;
            }
            var key = line[..eq];
            if (key.Contains(' ', StringComparison.Ordinal))
            {
                continue;
            }
            // The first value wins: a key printed twice is a tool's bug, not an update.
            values.TryAdd(key, line[(eq + 1)..]);
            if (values.Count >= MaxKeys)
            {
                break;
            }
        }
        return values;
    }

    public static int? Int(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var text) &&
        int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    public static string? Text(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var text) && text.Length > 0 ? text : null;
}
