using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Parsing;

/// <summary>One network as a scan line described it, before the list is built.</summary>
/// <param name="Ssid">The listable SSID, or null when it cannot be listed (hidden, too long, not UTF-8).</param>
/// <param name="Signal">Signal in dBm, already normalized.</param>
/// <param name="Security">What the network asks for.</param>
public readonly record struct ScanCandidate(string? Ssid, int Signal, WifiSecurity Security);

/// <summary>Builds the SSID list from scan candidates: one entry per SSID (the strongest), strongest first.</summary>
public static class ScanList
{
    /// <summary>
    /// Skips candidates without a listable SSID, keeps the strongest per SSID (ordinal comparison:
    /// SSIDs are bytes), and sorts by signal (strongest first), then SSID, so equal inputs give
    /// equal lists. At most <see cref="SsidList.MaxNetworks"/> entries.
    /// </summary>
    public static IReadOnlyList<SsidEntry> Build(IEnumerable<ScanCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var strongest = new Dictionary<string, ScanCandidate>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            if (candidate.Ssid is null)
            {
                continue;
            }
            if (!strongest.TryGetValue(candidate.Ssid, out var known) || candidate.Signal > known.Signal)
            {
                strongest[candidate.Ssid] = candidate;
            }
        }
        return strongest.Values
            .OrderByDescending(c => c.Signal)
            .ThenBy(c => c.Ssid, StringComparer.Ordinal)
            .Take(SsidList.MaxNetworks)
            .Select(c => new SsidEntry(c.Ssid!, c.Signal, c.Security))
            .ToList();
    }
}

/// <summary>Signal strengths as the tools print them, normalized to dBm in SsidEntry's range.</summary>
public static class SignalLevel
{
    /// <summary>Clamps a dBm value into -127..0.</summary>
    public static int FromDbm(double dbm)
    {
        if (double.IsNaN(dbm))
        {
            return SsidEntryLimits.MinSignal;
        }
        return (int)Math.Round(Math.Clamp(dbm, SsidEntryLimits.MinSignal, SsidEntryLimits.MaxSignal), MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// A quality percentage (nmcli's SIGNAL, an iwlist <c>56/100</c>) as dBm, by inverting
    /// NetworkManager's own mapping (-100 dBm is 0 %, -40 dBm and above is 100 %, linear between).
    /// </summary>
    public static int FromPercent(double percent)
    {
        if (double.IsNaN(percent))
        {
            return SsidEntryLimits.MinSignal;
        }
        var clamped = Math.Clamp(percent, 0, 100);
        return FromDbm(-100 + (clamped * 60 / 100));
    }

    /// <summary>A quality fraction such as iwlist's <c>34/70</c>, as dBm (null when malformed).</summary>
    public static int? FromFraction(double value, double scale) =>
        scale > 0 && value >= 0 && value <= scale ? FromPercent(value * 100 / scale) : null;
}
