using System.Net;
using System.Net.Sockets;

namespace Pi.Gateway.Wifi.Parsing;

/// <summary>Reads <c>ip -o -4 addr show dev &lt;if&gt;</c>: <c>3: wlan0    inet 192.168.1.20/24 brd … scope global …</c>.</summary>
public static class IpAddressParser
{
    /// <summary>The interface's IPv4 addresses (scope global first), as text without the prefix length.</summary>
    /// <exception cref="WifiException">The output is larger than <see cref="ToolOutput.MaxChars"/>.</exception>
    public static IReadOnlyList<string> ParseIPv4(string? output)
    {
        ToolOutput.CheckSize(output, "ip addr");
        var global = new List<string>();
        var other = new List<string>();
        foreach (var line in ToolOutput.Lines(output))
        {
            var words = line.Split([' ', '\t', '\\'], StringSplitOptions.RemoveEmptyEntries);
            var at = Array.IndexOf(words, "inet");
            if (at < 0 || at + 1 >= words.Length)
            {
                continue;
            }
            var cidr = words[at + 1];
            var slash = cidr.IndexOf('/', StringComparison.Ordinal);
            var text = slash > 0 ? cidr[..slash] : cidr;
            if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            {
                continue;
            }
            var scope = Array.IndexOf(words, "scope");
            var isGlobal = scope > 0 && scope + 1 < words.Length && words[scope + 1] == "global";
            (isGlobal ? global : other).Add(address.ToString());
            if (global.Count + other.Count >= ToolOutput.MaxEntries)
            {
                break;
            }
        }
        return [.. global, .. other];
    }
}
