using FsCheck.Xunit;
using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Parsing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Wifi;

/// <summary>Whatever a tool prints, a parser returns or throws its typed error, and the list it builds is valid.</summary>
public sealed class Hostile_Output_Tests
{
    private static readonly string[] Pieces =
    [
        "BSS ", "Cell 01 - Address: x", "\tSSID: ", "ESSID:\"", "\\x", "\\xff", "\\", "\"", "signal: ", "-1e308 dBm", "NaN",
        "Quality=", "/0", "Signal level=", "RSN:", "WPA:", " * Authentication suites: ", "unknown (", ")", "\t", ":", "\\:",
        "\n", "\r\n", "=", "ssid[0]=", "bss[0]=", "[WPA2-", "]", "-", "2412", "é", "\uD800", "\u0000", "inet ", "/24", " ",
    ];

    [Property(MaxTest = 300)]
    public void Parsers_never_throw_on_noise(string? noise) => ParseAll(noise);

    [Property(MaxTest = 500)]
    public void Parsers_never_throw_on_plausible_fragments(int[] picks)
    {
        var text = string.Concat((picks ?? []).Select(p => Pieces[(int)((uint)p % (uint)Pieces.Length)]));
        ParseAll(text);
    }

    private static void ParseAll(string? text)
    {
        Valid(IwScanParser.Parse(text));
        Valid(IwlistScanParser.Parse(text));
        Valid(WpaCliParser.ParseScanResults(text));
        Valid(NmcliParser.ParseWifiList(text));
        Valid(NmcliParser.ParseWifiList(text, ["SECURITY", "SIGNAL", "SSID"], escaped: false));
        _ = WpaCliParser.ParseStatus(text);
        _ = WpaCliParser.ParseListNetworks(text);
        _ = WpaCliParser.ParseEvent(text);
        _ = HostapdStatusParser.Parse(text);
        _ = IpAddressParser.ParseIPv4(text);
        _ = SsidText.Unescape(text ?? string.Empty, cEscapes: true);
    }

    private static void Valid(IReadOnlyList<ScanCandidate> candidates) => new SsidList(ScanList.Build(candidates)).Validate();

    [Fact]
    public void A_wifi_exception_is_the_only_error_for_a_huge_output()
    {
        var huge = new string('\n', ToolOutput.MaxChars + 1);
        Assert.Throws<WifiException>(() => IpAddressParser.ParseIPv4(huge));
        Assert.Throws<WifiException>(() => WpaCliParser.ParseListNetworks(huge));
    }
}
