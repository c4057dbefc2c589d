using System.Diagnostics.CodeAnalysis;
using System.Net.NetworkInformation;

namespace Pi.Protocol.Labels;

/// <summary>
/// A device's MAC as the protocol writes it (searchDevice, deviceInfo, the QR label; gateways and
/// sub-devices alike): six upper-case hex pairs
/// separated by colons, <c>AA:BB:CC:DD:EE:FF</c>. Input may also use '-' or no separator, any case.
/// A Wi-Fi interface's address is a unicast address that is not all zeros; others are refused.
/// </summary>
public static class DeviceMac
{
    /// <summary>Length of the normalized form.</summary>
    public const int Length = 17;

    /// <summary>The normalized MAC, or false (with nothing echoed) when <paramref name="text"/> is not one.</summary>
    public static bool TryNormalize(string? text, [NotNullWhen(true)] out string? mac)
    {
        mac = null;
        Span<byte> bytes = stackalloc byte[6];
        if (!TryParse(text.AsSpan().Trim(), bytes))
        {
            return false;
        }
        mac = Format(bytes);
        return true;
    }

    /// <summary>The normalized MAC.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> is not a unicast MAC address.</exception>
    public static string Normalize(string text) =>
        TryNormalize(text, out var mac)
            ? mac
            : throw new ArgumentException("the MAC must be a unicast address written AA:BB:CC:DD:EE:FF", nameof(text));

    /// <summary>The normalized form of an interface's address.</summary>
    /// <exception cref="ArgumentException">Not a 6-byte unicast address.</exception>
    public static string From(PhysicalAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        return bytes.Length == 6 && IsUsable(bytes)
            ? Format(bytes)
            : throw new ArgumentException("the interface's address is not a 6-byte unicast MAC", nameof(address));
    }

    /// <summary>The six bytes of a normalized or accepted MAC.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> is not a unicast MAC address.</exception>
    public static byte[] ToBytes(string text)
    {
        var bytes = new byte[6];
        return TryParse(text.AsSpan().Trim(), bytes)
            ? bytes
            : throw new ArgumentException("the MAC must be a unicast address written AA:BB:CC:DD:EE:FF", nameof(text));
    }

    private static bool TryParse(ReadOnlySpan<char> value, Span<byte> bytes)
    {
        int step;
        if (value.Length == Length && value[2] is ':' or '-')
        {
            step = 3;
        }
        else if (value.Length == 12)
        {
            step = 2;
        }
        else
        {
            return false;
        }
        for (var i = 0; i < 6; i++)
        {
            var at = i * step;
            if (step == 3 && i < 5 && value[at + 2] != value[2])
            {
                return false;
            }
            if (!char.IsAsciiHexDigit(value[at]) || !char.IsAsciiHexDigit(value[at + 1]))
            {
                return false;
            }
            bytes[i] = (byte)((HexValue(value[at]) << 4) | HexValue(value[at + 1]));
        }
        return IsUsable(bytes);
    }

    // Not all zeros, and not a group address (the I/G bit, which broadcast also has).
    private static bool IsUsable(ReadOnlySpan<byte> bytes) => (bytes[0] & 0x01) == 0 && bytes.ContainsAnyExcept((byte)0);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static string Format(ReadOnlySpan<byte> bytes) =>
        $"{bytes[0]:X2}:{bytes[1]:X2}:{bytes[2]:X2}:{bytes[3]:X2}:{bytes[4]:X2}:{bytes[5]:X2}";
}
