using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pi.Gateway.Wifi.Config;

/// <summary>The checks a value passes before it goes into a configuration file.</summary>
internal static class SettingRules
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>An SSID: 1..32 bytes of UTF-8 text without control characters.</summary>
    public static byte[] Ssid(string? ssid, string setting = "ssid")
    {
        if (string.IsNullOrEmpty(ssid) || ssid.Length > 32 || ssid.Any(char.IsControl))
        {
            throw InvalidWifiSettingException.For(setting, "must be 1 to 32 bytes of UTF-8 text without control characters");
        }
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(ssid);
        }
        catch (EncoderFallbackException e)
        {
            throw new InvalidWifiSettingException(setting, "must be 1 to 32 bytes of UTF-8 text without control characters", e);
        }
        return bytes.Length <= 32
            ? bytes
            : throw InvalidWifiSettingException.For(setting, "must be 1 to 32 bytes of UTF-8 text without control characters");
    }

    /// <summary>An ISO 3166-1 alpha-2 country code, upper case.</summary>
    public static string CountryCode(string? code)
    {
        if (code is not { Length: 2 } || !code.All(char.IsAsciiLetter))
        {
            throw InvalidWifiSettingException.For("countryCode", "must be two letters (ISO 3166-1 alpha-2)");
        }
        return code.ToUpperInvariant();
    }

    /// <summary>A network interface name as Linux allows it (1..15 characters, no '/', no whitespace).</summary>
    public static string InterfaceName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 15 || name is "." or ".." ||
            !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@'))
        {
            throw InvalidWifiSettingException.For("interface", "must be a network interface name (1 to 15 of A-Z, a-z, 0-9, -, _, ., :, @)");
        }
        return name;
    }

    /// <summary>An absolute path that a configuration line can hold.</summary>
    public static string Path(string? path, string setting)
    {
        if (string.IsNullOrEmpty(path) || !System.IO.Path.IsPathRooted(path) || path.Any(c => char.IsControl(c) || c == '#'))
        {
            throw InvalidWifiSettingException.For(setting, "must be an absolute path without control characters or '#'");
        }
        return path;
    }

    /// <summary>The 2.4 GHz (1..14, hw_mode g) or 5 GHz (36..177, hw_mode a) channel.</summary>
    public static string HardwareMode(int channel) => channel switch
    {
        >= 1 and <= 14 => "g",
        >= 36 and <= 177 => "a",
        _ => throw InvalidWifiSettingException.For("channel", "must be 1 to 14 (2.4 GHz) or 36 to 177 (5 GHz)"),
    };

    /// <summary>An IPv4 address as four bytes, big-endian in a uint.</summary>
    public static uint IPv4(string? text, string setting)
    {
        if (text is null || !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork ||
            text.Count(c => c == '.') != 3)
        {
            throw InvalidWifiSettingException.For(setting, "must be an IPv4 address");
        }
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }

    public static string IPv4Text(uint address) =>
        new IPAddress([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]).ToString();

    /// <summary>An AP subnet: the address, the DHCP range inside its subnet and off the address.</summary>
    public static (string Address, string Netmask, string Start, string End) Subnet(AccessPointSettings settings)
    {
        if (settings.PrefixLength is < 8 or > 30)
        {
            throw InvalidWifiSettingException.For("prefixLength", "must be 8 to 30");
        }
        var address = IPv4(settings.Address, "address");
        var start = IPv4(settings.DhcpRangeStart, "dhcpRangeStart");
        var end = IPv4(settings.DhcpRangeEnd, "dhcpRangeEnd");
        var mask = uint.MaxValue << (32 - settings.PrefixLength);
        var network = address & mask;
        var broadcast = network | ~mask;
        if (address == network || address == broadcast)
        {
            throw InvalidWifiSettingException.For("address", "must be a host address of its subnet");
        }
        if ((start & mask) != network || (end & mask) != network || start == network || end == broadcast || start > end)
        {
            throw InvalidWifiSettingException.For("dhcpRange", "must be an ascending range of host addresses inside the access point's subnet");
        }
        if (address >= start && address <= end)
        {
            throw InvalidWifiSettingException.For("dhcpRange", "must not include the access point's own address");
        }
        return (IPv4Text(address), IPv4Text(mask), IPv4Text(start), IPv4Text(end));
    }
}
