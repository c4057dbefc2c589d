using System.Globalization;
using System.Text;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Parsing;

/// <summary>
/// Reads nmcli's machine output. In terse mode (<c>-t</c>) fields are separated by <c>:</c>, and a
/// <c>:</c> or <c>\</c> inside a value is escaped with a backslash; each device's list ends with
/// an empty line. With <c>--escape no</c> nothing is escaped, so only the last field may hold a
/// <c>:</c> (callers put the SSID last then).
/// </summary>
public static class NmcliParser
{
    /// <summary>The fields the gateway asks for: <c>nmcli -t -f SSID,SIGNAL,SECURITY dev wifi list</c>.</summary>
    public static readonly IReadOnlyList<string> WifiListFields = ["SSID", "SIGNAL", "SECURITY"];

    /// <summary>Most fields on one line.</summary>
    private const int MaxFields = 64;

    /// <summary>Splits one terse line into its fields, undoing <c>\:</c> and <c>\\</c>.</summary>
    public static IReadOnlyList<string> SplitTerse(string line, bool escaped = true, int fieldCount = 0)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = new List<string>();
        if (!escaped)
        {
            var parts = fieldCount > 0 ? line.Split(':', fieldCount) : line.Split(':');
            fields.AddRange(parts.Take(MaxFields));
            return fields;
        }
        var current = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
            }
            else if (c == ':')
            {
                fields.Add(current.ToString());
                current.Clear();
                if (fields.Count >= MaxFields)
                {
                    return fields;
                }
            }
            else
            {
                current.Append(c);
            }
        }
        fields.Add(current.ToString());
        return fields;
    }

    /// <summary>
    /// The networks in <c>nmcli -t -f &lt;fields&gt; dev wifi list</c>. <paramref name="fields"/> names the
    /// columns in order as passed to <c>-f</c>; SSID and SIGNAL are required, SECURITY or
    /// RSN-FLAGS/WPA-FLAGS give the security. Lines with the wrong number of fields are skipped.
    /// </summary>
    /// <exception cref="WifiException">The output is larger than <see cref="ToolOutput.MaxChars"/>.</exception>
    /// <exception cref="ArgumentException">The fields lack SSID or SIGNAL.</exception>
    public static IReadOnlyList<ScanCandidate> ParseWifiList(string? output, IReadOnlyList<string>? fields = null, bool escaped = true)
    {
        fields ??= WifiListFields;
        ToolOutput.CheckSize(output, "nmcli dev wifi list");
        var index = fields.Select((name, i) => (name: name.ToUpperInvariant(), i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        if (!index.TryGetValue("SSID", out var ssidAt) || !index.TryGetValue("SIGNAL", out var signalAt))
        {
            throw new ArgumentException("the fields must include SSID and SIGNAL", nameof(fields));
        }
        var result = new List<ScanCandidate>();
        foreach (var line in ToolOutput.Lines(output))
        {
            if (line.Length == 0)
            {
                continue;
            }
            var values = SplitTerse(line, escaped, fields.Count);
            if (values.Count != fields.Count ||
                !int.TryParse(values[signalAt], NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
            {
                continue;
            }
            var security = new SecurityFlags();
            if (index.TryGetValue("SECURITY", out var securityAt))
            {
                ReadSecurity(values[securityAt], ref security);
            }
            else
            {
                if (index.TryGetValue("WPA-FLAGS", out var wpaAt))
                {
                    ReadAkmFlags(values[wpaAt], rsn: false, ref security);
                }
                if (index.TryGetValue("RSN-FLAGS", out var rsnAt))
                {
                    ReadAkmFlags(values[rsnAt], rsn: true, ref security);
                }
            }
            result.Add(new ScanCandidate(SsidText.ToListable(values[ssidAt]), SignalLevel.FromPercent(percent), security.ToSecurity()));
            if (result.Count >= ToolOutput.MaxEntries)
            {
                break;
            }
        }
        return result;
    }

    /// <summary>nmcli's SECURITY column: <c>WPA1 WPA2</c>, <c>WPA2 802.1X</c>, <c>WPA3</c>, <c>WEP</c>, <c>OWE</c>, empty or <c>--</c>.</summary>
    public static WifiSecurity ParseSecurity(string security)
    {
        ArgumentNullException.ThrowIfNull(security);
        var flags = new SecurityFlags();
        ReadSecurity(security, ref flags);
        return flags.ToSecurity();
    }

    private static void ReadSecurity(string text, ref SecurityFlags security)
    {
        var tokens = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var enterprise = tokens.Contains("802.1X");
        foreach (var token in tokens)
        {
            switch (token)
            {
                case "WPA1":
                    security.Wpa = true;
                    security.Psk |= !enterprise;
                    break;
                case "WPA2":
                    security.Rsn = true;
                    security.Psk |= !enterprise;
                    break;
                case "WPA3":
                    security.Rsn = true;
                    security.Sae |= !enterprise;
                    break;
                case "802.1X":
                    security.Eap = true;
                    break;
                case "WEP":
                    security.Privacy = true;
                    break;
                case "OWE" or "OWE-TM":
                    security.OtherAkm = true;
                    break;
                default:
                    break;
            }
        }
        if (enterprise)
        {
            security.Psk = false;
            security.Sae = false;
        }
    }

    // WPA-FLAGS/RSN-FLAGS: "pair_ccmp group_ccmp psk sae", "(none)".
    private static void ReadAkmFlags(string text, bool rsn, ref SecurityFlags security)
    {
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (token)
            {
                case "psk":
                    security.Psk = true;
                    break;
                case "sae":
                    security.Sae = true;
                    break;
                case "802.1X":
                    security.Eap = true;
                    break;
                case "owe" or "owe_tm":
                    security.OtherAkm = true;
                    break;
                default:
                    continue;
            }
            if (rsn)
            {
                security.Rsn = true;
            }
            else
            {
                security.Wpa = true;
            }
        }
    }
}
