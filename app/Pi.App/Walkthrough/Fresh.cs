using System.Globalization;
using System.Security.Cryptography;

namespace Pi.App.Walkthrough;

/// <summary>Fresh random values for the walkthrough: every run uses new ids, keys and nonces.</summary>
internal static class Fresh
{
    public static byte[] Bytes(int count) => RandomNumberGenerator.GetBytes(count);

    public static string Hex(int bytes) => Convert.ToHexStringLower(Bytes(bytes));

    /// <summary>URL-safe random text, for passwords and tokens.</summary>
    public static string Secret(int bytes) => Convert.ToBase64String(Bytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A locally administered unicast MAC, as a maker's test batch would use.</summary>
    public static string Mac()
    {
        var bytes = Bytes(6);
        bytes[0] = (byte)((bytes[0] & 0xFC) | 0x02);
        return string.Join(':', bytes.Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
    }

    public static uint KeyId() => (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);

    public static string Txn() => "t" + Hex(4);

    public static int Between(int minInclusive, int maxExclusive) => RandomNumberGenerator.GetInt32(minInclusive, maxExclusive);
}
