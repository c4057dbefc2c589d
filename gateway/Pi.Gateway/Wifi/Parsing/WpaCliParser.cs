using System.Globalization;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Parsing;

/// <summary>What <c>wpa_cli status</c> says about the station.</summary>
/// <param name="WpaState">DISCONNECTED, SCANNING, AUTHENTICATING, ASSOCIATING, 4WAY_HANDSHAKE, COMPLETED, …</param>
/// <param name="Ssid">The SSID (decoded; null when absent or not listable text).</param>
/// <param name="Bssid">The access point's BSSID.</param>
/// <param name="Frequency">MHz.</param>
/// <param name="KeyManagement">WPA2-PSK, SAE, NONE, …</param>
/// <param name="IpAddress">The address wpa_supplicant sees on the interface.</param>
/// <param name="Address">The interface's MAC address.</param>
/// <param name="NetworkId">The configured network in use.</param>
public sealed record WpaStatus(
    string? WpaState,
    string? Ssid,
    string? Bssid,
    int? Frequency,
    string? KeyManagement,
    string? IpAddress,
    string? Address,
    int? NetworkId)
{
    /// <summary>Associated and keys installed.</summary>
    public bool IsCompleted => WpaState == "COMPLETED";
}

/// <summary>One row of <c>wpa_cli list_networks</c>.</summary>
public sealed record WpaNetwork(int Id, string Ssid, IReadOnlyList<string> Flags)
{
    /// <summary>wpa_supplicant disabled the network for a while after failures (a wrong key among them).</summary>
    public bool TemporarilyDisabled => Flags.Contains("TEMP-DISABLED");

    /// <summary>The network in use.</summary>
    public bool Current => Flags.Contains("CURRENT");
}

/// <summary>What an event line from wpa_supplicant's control interface means to a join.</summary>
public enum WpaEventKind
{
    /// <summary>Not relevant to a join.</summary>
    Other,
    /// <summary><c>CTRL-EVENT-CONNECTED</c>.</summary>
    Connected,
    /// <summary><c>CTRL-EVENT-DISCONNECTED</c>.</summary>
    Disconnected,
    /// <summary><c>CTRL-EVENT-SSID-TEMP-DISABLED … reason=WRONG_KEY</c> or a failed 4-way handshake.</summary>
    WrongKey,
    /// <summary><c>CTRL-EVENT-SSID-TEMP-DISABLED</c> for another reason (CONN_FAILED, AUTH_FAILED, …).</summary>
    TemporarilyDisabled,
    /// <summary><c>CTRL-EVENT-NETWORK-NOT-FOUND</c>: no configured network in the scan.</summary>
    NetworkNotFound,
    /// <summary><c>CTRL-EVENT-AUTH-REJECT</c> or <c>CTRL-EVENT-ASSOC-REJECT</c>.</summary>
    Rejected,
}

/// <summary>An event line, its kind, and the <c>reason=</c> it carried (if any).</summary>
public sealed record WpaEvent(WpaEventKind Kind, string? Reason);

/// <summary>
/// Reads wpa_cli's outputs: <c>scan_results</c> (tab-separated bssid, frequency, signal level,
/// flags such as <c>[WPA2-PSK-CCMP][ESS]</c>, SSID in <c>printf_encode</c> escapes), <c>status</c>,
/// <c>list_networks</c>, and control-interface event lines (<c>&lt;3&gt;CTRL-EVENT-…</c>).
/// </summary>
public static class WpaCliParser
{
    /// <summary>The networks in <c>wpa_cli scan_results</c>.</summary>
    /// <exception cref="WifiException">The output is larger than <see cref="ToolOutput.MaxChars"/>.</exception>
    public static IReadOnlyList<ScanCandidate> ParseScanResults(string? output)
    {
        ToolOutput.CheckSize(output, "wpa_cli scan_results");
        var result = new List<ScanCandidate>();
        foreach (var line in ToolOutput.Lines(output))
        {
            var fields = line.Split('\t', 5);
            if (fields.Length < 4 || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                // "Selected interface 'wlan0'", the header, or a broken row.
                continue;
            }
            if (!int.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var level))
            {
                continue;
            }
            // wpa_supplicant reports dBm when the driver does; a positive level is a driver's quality.
            var signal = level > 0 ? SignalLevel.FromPercent(level) : SignalLevel.FromDbm(level);
            var ssidBytes = fields.Length == 5 ? SsidText.Unescape(fields[4], cEscapes: true) : null;
            result.Add(new ScanCandidate(ssidBytes is null ? null : SsidText.ToListable(ssidBytes), signal, ParseFlags(fields[3])));
            if (result.Count >= ToolOutput.MaxEntries)
            {
                break;
            }
        }
        return result;
    }

    /// <summary>The security in a flags column such as <c>[WPA-PSK-CCMP+TKIP][WPA2-PSK-CCMP+TKIP][WPS][ESS]</c>.</summary>
    public static WifiSecurity ParseFlags(string flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var security = new SecurityFlags();
        foreach (var group in flags.Split(['[', ']'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (group.StartsWith("WPA2-", StringComparison.Ordinal) || group.StartsWith("RSN-", StringComparison.Ordinal) ||
                group.StartsWith("WPA3-", StringComparison.Ordinal))
            {
                security.Rsn = true;
                security.AddAuthenticationSuites(group[(group.IndexOf('-', StringComparison.Ordinal) + 1)..]);
            }
            else if (group.StartsWith("WPA-", StringComparison.Ordinal))
            {
                security.Wpa = true;
                security.AddAuthenticationSuites(group[4..]);
            }
            else if (group.StartsWith("OSEN", StringComparison.Ordinal))
            {
                security.Eap = true;
            }
            else if (group == "WEP")
            {
                security.Privacy = true;
            }
        }
        return security.ToSecurity();
    }

    /// <summary>Reads <c>wpa_cli status</c>.</summary>
    /// <exception cref="WifiException">The output is larger than <see cref="ToolOutput.MaxChars"/>.</exception>
    public static WpaStatus ParseStatus(string? output)
    {
        var values = KeyValueOutput.Read(output, "wpa_cli status");
        var ssid = KeyValueOutput.Text(values, "ssid");
        var ssidBytes = ssid is null ? null : SsidText.Unescape(ssid, cEscapes: true);
        return new WpaStatus(
            KeyValueOutput.Text(values, "wpa_state"),
            ssidBytes is null ? null : SsidText.ToListable(ssidBytes),
            KeyValueOutput.Text(values, "bssid"),
            KeyValueOutput.Int(values, "freq"),
            KeyValueOutput.Text(values, "key_mgmt"),
            KeyValueOutput.Text(values, "ip_address"),
            KeyValueOutput.Text(values, "address"),
            KeyValueOutput.Int(values, "id"));
    }

    /// <summary>Reads <c>wpa_cli list_networks</c> (<c>network id / ssid / bssid / flags</c>).</summary>
    /// <exception cref="WifiException">The output is larger than <see cref="ToolOutput.MaxChars"/>.</exception>
    public static IReadOnlyList<WpaNetwork> ParseListNetworks(string? output)
    {
        ToolOutput.CheckSize(output, "wpa_cli list_networks");
        var result = new List<WpaNetwork>();
        foreach (var line in ToolOutput.Lines(output))
        {
            var fields = line.Split('\t', 4);
            if (fields.Length < 3 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }
            var flags = fields.Length == 4
                ? fields[3].Split(['[', ']'], StringSplitOptions.RemoveEmptyEntries)
                : [];
            var ssidBytes = SsidText.Unescape(fields[1], cEscapes: true);
            result.Add(new WpaNetwork(id, (ssidBytes is null ? null : SsidText.ToListable(ssidBytes)) ?? string.Empty, flags));
            if (result.Count >= ToolOutput.MaxEntries)
            {
                break;
            }
        }
        return result;
    }

    /// <summary>Reads one event line: from the control interface (<c>&lt;3&gt;CTRL-EVENT-…</c>) or wpa_supplicant's log file (<c>wlan0: CTRL-EVENT-…</c>).</summary>
    public static WpaEvent ParseEvent(string? line)
    {
        if (string.IsNullOrEmpty(line) || line.Length > ToolOutput.MaxLineChars)
        {
            return new WpaEvent(WpaEventKind.Other, null);
        }
        var text = line.AsSpan().Trim();
        if (text.Length > 2 && text[0] == '<')
        {
            var close = text.IndexOf('>');
            if (close > 0)
            {
                text = text[(close + 1)..];
            }
        }
        // wpa_supplicant's log file (-f) prefixes the interface ("wlan0: CTRL-EVENT-…"), maybe a timestamp.
        var control = text.IndexOf("CTRL-EVENT-", StringComparison.Ordinal);
        if (control > 0)
        {
            text = text[control..];
        }
        var reason = ReadReason(text);
        if (text.StartsWith("CTRL-EVENT-CONNECTED"))
        {
            return new WpaEvent(WpaEventKind.Connected, null);
        }
        if (text.StartsWith("CTRL-EVENT-DISCONNECTED"))
        {
            return new WpaEvent(WpaEventKind.Disconnected, reason);
        }
        if (text.StartsWith("CTRL-EVENT-SSID-TEMP-DISABLED"))
        {
            return new WpaEvent(reason == "WRONG_KEY" ? WpaEventKind.WrongKey : WpaEventKind.TemporarilyDisabled, reason);
        }
        if (text.StartsWith("CTRL-EVENT-NETWORK-NOT-FOUND"))
        {
            return new WpaEvent(WpaEventKind.NetworkNotFound, null);
        }
        if (text.StartsWith("CTRL-EVENT-AUTH-REJECT") || text.StartsWith("CTRL-EVENT-ASSOC-REJECT"))
        {
            return new WpaEvent(WpaEventKind.Rejected, reason);
        }
        if (text.Contains("4-Way Handshake failed", StringComparison.Ordinal) ||
            text.Contains("pre-shared key may be incorrect", StringComparison.Ordinal))
        {
            return new WpaEvent(WpaEventKind.WrongKey, "4WAY_HANDSHAKE");
        }
        return new WpaEvent(WpaEventKind.Other, null);
    }

    private static string? ReadReason(ReadOnlySpan<char> text)
    {
        var at = text.IndexOf("reason=", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var value = text[(at + 7)..];
        var end = value.IndexOf(' ');
        return (end >= 0 ? value[..end] : value).ToString();
    }
}
