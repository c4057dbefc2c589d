using System.Globalization;

namespace Pi.Gateway.Wifi.Parsing;

/// <summary>
/// Reads <c>iw dev &lt;if&gt; scan</c>: one <c>BSS xx:xx:…(on wlan0)</c> block per access point,
/// with indented <c>freq:</c>, <c>signal: -64.00 dBm</c>, <c>SSID:</c>, <c>capability:</c> and
/// <c>RSN:</c>/<c>WPA:</c> elements whose <c>* Authentication suites:</c> item names the AKMs.
/// Indentation may be tabs (iw) or spaces; a line it does not know is ignored.
/// </summary>
public static class IwScanParser
{
    private const string Tool = "iw scan";

    /// <summary>The networks in the output, one candidate per BSS.</summary>
    /// <exception cref="WifiException">The output is larger than <see cref="ToolOutput.MaxChars"/>.</exception>
    public static IReadOnlyList<ScanCandidate> Parse(string? output)
    {
        ToolOutput.CheckSize(output, Tool);
        var result = new List<ScanCandidate>();
        Bss? current = null;
        foreach (var line in ToolOutput.Lines(output))
        {
            if (line.StartsWith("BSS ", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    result.Add(current.ToCandidate());
                    if (result.Count >= ToolOutput.MaxEntries)
                    {
                        return result;
                    }
                }
                current = new Bss();
                continue;
            }
            current?.Read(line.AsSpan().Trim());
        }
        if (current is not null)
        {
            result.Add(current.ToCandidate());
        }
        return result;
    }

    private sealed class Bss
    {
        private byte[]? _ssid;
        private int? _signal;
        private SecurityFlags _security;
        // Which element the following "* Authentication suites:" item belongs to.
        private bool _inRsn;
        private bool _inWpa;

        public void Read(ReadOnlySpan<char> line)
        {
            if (line.StartsWith("SSID:"))
            {
                var value = line[5..];
                if (value.Length > 0 && value[0] == ' ')
                {
                    value = value[1..];
                }
                // A probe response may repeat the SSID a hidden network's beacon left empty.
                if (_ssid is null || _ssid.Length == 0 || Array.TrueForAll(_ssid, b => b == 0))
                {
                    _ssid = SsidText.Unescape(value.ToString(), cEscapes: false) ?? _ssid;
                }
            }
            else if (line.StartsWith("signal:"))
            {
                _signal = ReadSignal(line[7..].Trim()) ?? _signal;
            }
            else if (line.StartsWith("capability:"))
            {
                if (line.Contains("Privacy", StringComparison.Ordinal))
                {
                    _security.Privacy = true;
                }
            }
            else if (line.StartsWith("RSN:"))
            {
                (_inRsn, _inWpa) = (true, false);
                _security.Rsn = true;
                ReadSuites(line[4..]);
            }
            else if (line.StartsWith("WPA:"))
            {
                (_inRsn, _inWpa) = (false, true);
                _security.Wpa = true;
                ReadSuites(line[4..]);
            }
            else if (line.StartsWith("*") || line.Contains("* ", StringComparison.Ordinal))
            {
                if (_inRsn || _inWpa)
                {
                    ReadSuites(line);
                }
            }
            else
            {
                // Any other element ends the RSN/WPA one.
                (_inRsn, _inWpa) = (false, false);
            }
        }

        private void ReadSuites(ReadOnlySpan<char> item)
        {
            var at = item.IndexOf("Authentication suites:", StringComparison.Ordinal);
            if (at >= 0)
            {
                _security.AddAuthenticationSuites(item[(at + "Authentication suites:".Length)..].ToString());
            }
        }

        public ScanCandidate ToCandidate() =>
            new(_ssid is null ? null : SsidText.ToListable(_ssid), _signal ?? SsidEntryLimits.MinSignal, _security.ToSecurity());
    }

    private static int? ReadSignal(ReadOnlySpan<char> value)
    {
        // "-64.00 dBm", or "70/100" from a driver that reports no dBm.
        var slash = value.IndexOf('/');
        if (slash > 0)
        {
            return double.TryParse(value[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out var q) &&
                   double.TryParse(value[(slash + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var scale)
                ? SignalLevel.FromFraction(q, scale)
                : null;
        }
        var space = value.IndexOf(' ');
        var number = space > 0 ? value[..space] : value;
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var dbm) && double.IsFinite(dbm)
            ? SignalLevel.FromDbm(dbm)
            : null;
    }
}
