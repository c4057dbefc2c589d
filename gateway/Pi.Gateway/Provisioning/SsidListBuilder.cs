using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// Turns a scan into an ssidList the APP accepts (docs/protocol.md section 6): networks whose entry
/// breaks the rules (name not 1..32 bytes of text, signal out of range) are left out, a name seen
/// twice keeps its strongest signal, the list is strongest first, at most 100 long, and its frame
/// fits the limit (the weakest go first).
/// </summary>
internal static class SsidListBuilder
{
    public static SsidList Build(IReadOnlyList<SsidEntry>? scanned, int maxFrameSize, out int leftOut)
    {
        var total = scanned?.Count ?? 0;
        var strongest = new Dictionary<string, SsidEntry>(StringComparer.Ordinal);
        foreach (var entry in scanned ?? [])
        {
            if (entry is null || !IsValid(entry))
            {
                continue;
            }
            if (!strongest.TryGetValue(entry.Ssid, out var seen) || entry.Signal > seen.Signal)
            {
                strongest[entry.Ssid] = entry;
            }
        }
        var networks = strongest.Values
            .OrderByDescending(entry => entry.Signal)
            .ThenBy(entry => entry.Ssid, StringComparer.Ordinal)
            .Take(SsidList.MaxNetworks)
            .ToList();
        while (networks.Count > 0 && FrameSize(networks) > maxFrameSize)
        {
            networks.RemoveRange(networks.Count - Math.Max(1, networks.Count / 8), Math.Max(1, networks.Count / 8));
        }
        leftOut = total - networks.Count;
        return new SsidList(networks);
    }

    private static bool IsValid(SsidEntry entry)
    {
        try
        {
            entry.Validate();
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }

    // A gateway stream frame: header, no payload region, the JSON and the tag.
    private static int FrameSize(List<SsidEntry> networks) =>
        ProvisioningFrame.HeaderSize + ProtocolJson.Serialize(new SsidList(networks)).Length + AeadSealer.TagSize;
}

/// <summary>Text for the <c>message</c> of an error frame: no control characters, at most 512 bytes.</summary>
internal static class ErrorText
{
    private const int MaxBytes = 512;

    public static string Of(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }
        var builder = new StringBuilder(Math.Min(text.Length, MaxBytes));
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var clean = Rune.IsControl(rune) ? new Rune(' ') : rune;
            bytes += clean.Utf8SequenceLength;
            if (bytes > MaxBytes)
            {
                break;
            }
            builder.Append(clean.ToString());
        }
        return builder.ToString();
    }
}
