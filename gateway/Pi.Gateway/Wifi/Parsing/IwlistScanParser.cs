using System.Globalization;

namespace Pi.Gateway.Wifi.Parsing;

/// <summary>
/// Reads <c>iwlist &lt;if&gt; scan</c> (wireless-tools): one <c>Cell NN - Address:</c> block per
/// access point with <c>ESSID:"…"</c> (<c>\xNN</c> escapes), <c>Quality=34/70  Signal level=-76 dBm</c>
/// or an old driver's <c>Signal level=56/100</c>, <c>Encryption key:on</c>, and
/// <c>IE: IEEE 802.11i/WPA2</c> / <c>IE: WPA</c> blocks with <c>Authentication Suites (1) : PSK</c>.
/// A cell without an ESSID line, or whose ESSID is <c>&lt;hidden&gt;</c>, is a hidden network.
/// </summary>
public static class IwlistScanParser
{
    private const string Tool = "iwlist scan";

    /// <summary>The networks in the output, one candidate per cell.</summary>
    /// <exception cref="WifiException">The output is larger than <see cref="ToolOutput.MaxChars"/>.</exception>
    public static IReadOnlyList<ScanCandidate> Parse(string? output)
    {
        ToolOutput.CheckSize(output, Tool);
        var result = new List<ScanCandidate>();
        Cell? current = null;
        foreach (var raw in ToolOutput.Lines(output))
        {
            var line = raw.AsSpan().Trim();
            if (line.StartsWith("Cell ") && line.Contains("Address:", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    result.Add(current.ToCandidate());
                    if (result.Count >= ToolOutput.MaxEntries)
                    {
                        return result;
                    }
                }
                current = new Cell();
                continue;
            }
            current?.Read(line);
        }
        if (current is not null)
        {
            result.Add(current.ToCandidate());
        }
        return result;
    }

    private sealed class Cell
    {
        private string? _ssid;
        private int? _signal;
        private int? _quality;
        private SecurityFlags _security;

        public void Read(ReadOnlySpan<char> line)
        {
            if (line.StartsWith("ESSID:"))
            {
                var value = line[6..];
                var first = value.IndexOf('"');
                var last = value.LastIndexOf('"');
                if (first >= 0 && last > first)
                {
                    var text = value[(first + 1)..last].ToString();
                    // Some drivers print this placeholder for a hidden network.
                    var bytes = text == "<hidden>" ? null : SsidText.Unescape(text, cEscapes: false);
                    _ssid = bytes is null ? null : SsidText.ToListable(bytes);
                }
                return;
            }
            if (line.StartsWith("Encryption key:"))
            {
                _security.Privacy |= line.EndsWith("on", StringComparison.Ordinal);
                return;
            }
            if (line.StartsWith("IE:"))
            {
                if (line.Contains("WPA2", StringComparison.Ordinal) || line.Contains("802.11i", StringComparison.Ordinal))
                {
                    _security.Rsn = true;
                }
                else if (line.Contains("WPA Version", StringComparison.Ordinal))
                {
                    _security.Wpa = true;
                }
                return;
            }
            if (line.StartsWith("Extra:rsn_ie="))
            {
                _security.Rsn = true;
                return;
            }
            if (line.StartsWith("Extra:wpa_ie="))
            {
                _security.Wpa = true;
                return;
            }
            if (line.StartsWith("Authentication Suites"))
            {
                var colon = line.IndexOf(':');
                if (colon > 0)
                {
                    ReadSuites(line[(colon + 1)..]);
                }
                return;
            }
            ReadLevels(line);
        }

        private void ReadSuites(ReadOnlySpan<char> suites)
        {
            // wireless-tools names only 802.1x and PSK; others print as "unknown (N)" with the AKM number.
            var text = suites.ToString();
            var at = 0;
            while ((at = text.IndexOf("unknown (", at, StringComparison.Ordinal)) >= 0)
            {
                var end = text.IndexOf(')', at);
                if (end < 0)
                {
                    break;
                }
                if (int.TryParse(text.AsSpan(at + 9, end - at - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var akm))
                {
                    switch (akm)
                    {
                        case 4 or 6 or 19 or 20:
                            _security.Psk = true;
                            break;
                        case 8 or 9 or 24 or 25:
                            _security.Sae = true;
                            break;
                        case 3 or 5 or 11 or 12 or 13:
                            _security.Eap = true;
                            break;
                        default:
                            _security.OtherAkm = true;
                            break;
                    }
                }
                text = string.Concat(text.AsSpan(0, at), text.AsSpan(end + 1));
            }
            _security.AddAuthenticationSuites(text);
        }

        private void ReadLevels(ReadOnlySpan<char> line)
        {
            var quality = FindValue(line, "Quality");
            if (!quality.IsEmpty && TryFraction(quality, out var q, out var scale))
            {
                _quality = SignalLevel.FromFraction(q, scale) ?? _quality;
            }
            var level = FindValue(line, "Signal level");
            if (level.IsEmpty)
            {
                return;
            }
            if (TryFraction(level, out var value, out var levelScale))
            {
                _signal = SignalLevel.FromFraction(value, levelScale) ?? _signal;
            }
            else
            {
                var space = level.IndexOf(' ');
                var number = space > 0 ? level[..space] : level;
                if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var dbm) && double.IsFinite(dbm))
                {
                    _signal = SignalLevel.FromDbm(dbm);
                }
            }
        }

        public ScanCandidate ToCandidate() =>
            new(_ssid, _signal ?? _quality ?? SsidEntryLimits.MinSignal, _security.ToSecurity());
    }

    // "Quality=34/70  Signal level=-76 dBm": the text after "name=" or "name:" up to two spaces.
    private static ReadOnlySpan<char> FindValue(ReadOnlySpan<char> line, string name)
    {
        var at = line.IndexOf(name, StringComparison.Ordinal);
        if (at < 0 || at + name.Length >= line.Length || line[at + name.Length] is not ('=' or ':'))
        {
            return [];
        }
        var value = line[(at + name.Length + 1)..];
        var end = value.IndexOf("  ", StringComparison.Ordinal);
        return (end >= 0 ? value[..end] : value).Trim();
    }

    private static bool TryFraction(ReadOnlySpan<char> text, out double value, out double scale)
    {
        value = scale = 0;
        var slash = text.IndexOf('/');
        return slash > 0 &&
               double.TryParse(text[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out value) &&
               double.TryParse(text[(slash + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out scale);
    }
}
