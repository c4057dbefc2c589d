namespace Pi.Gateway.Wifi.Parsing;

/// <summary>One BSS that hostapd serves.</summary>
/// <param name="Interface">bss[N]: the interface.</param>
/// <param name="Bssid">bssid[N].</param>
/// <param name="Ssid">ssid[N], decoded (null when not listable text).</param>
/// <param name="Stations">num_sta[N].</param>
public sealed record HostapdBss(string Interface, string? Bssid, string? Ssid, int Stations);

/// <summary>What <c>hostapd_cli status</c> says.</summary>
/// <param name="State">UNINITIALIZED, COUNTRY_UPDATE, ENABLED, DISABLED, HT_SCAN, DFS, ACS, …</param>
/// <param name="Channel">The operating channel.</param>
/// <param name="Frequency">MHz (0 with driver=none).</param>
/// <param name="CountryCode">country_code, when this hostapd prints it.</param>
/// <param name="Bsses">The BSSes, in bss[N] order.</param>
public sealed record HostapdStatus(string? State, int? Channel, int? Frequency, string? CountryCode, IReadOnlyList<HostapdBss> Bsses)
{
    /// <summary>The access point is up.</summary>
    public bool IsEnabled => State == "ENABLED";
}

/// <summary>Reads <c>hostapd_cli status</c> (hostapd's STATUS reply: <c>key=value</c> lines, per-BSS keys as <c>name[N]</c>).</summary>
public static class HostapdStatusParser
{
    /// <summary>Most BSSes read (hostapd allows a few per radio).</summary>
    private const int MaxBsses = 32;

    /// <summary>Reads the STATUS reply.</summary>
    /// <exception cref="WifiException">The output is larger than <see cref="ToolOutput.MaxChars"/>.</exception>
    public static HostapdStatus Parse(string? output)
    {
        var values = KeyValueOutput.Read(output, "hostapd_cli status");
        var bsses = new List<HostapdBss>();
        for (var i = 0; i < MaxBsses; i++)
        {
            var name = FormattableString.Invariant($"[{i}]");
            if (!values.TryGetValue("bss" + name, out var iface))
            {
                break;
            }
            var ssid = KeyValueOutput.Text(values, "ssid" + name);
            var ssidBytes = ssid is null ? null : SsidText.Unescape(ssid, cEscapes: true);
            bsses.Add(new HostapdBss(
                iface,
                KeyValueOutput.Text(values, "bssid" + name),
                ssidBytes is null ? null : SsidText.ToListable(ssidBytes),
                KeyValueOutput.Int(values, "num_sta" + name) ?? 0));
        }
        return new HostapdStatus(
            KeyValueOutput.Text(values, "state"),
            KeyValueOutput.Int(values, "channel"),
            KeyValueOutput.Int(values, "freq"),
            KeyValueOutput.Text(values, "country_code"),
            bsses);
    }
}
