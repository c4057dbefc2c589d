using System.Globalization;
using System.Net;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Tests.Properties;

/// <summary>Generators of valid protocol values (ids, keys, text, addresses, dates).</summary>
internal static class Generators
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

    /// <summary>Pieces of text: ASCII, Latin-1, BMP scripts, a format character, astral emoji (surrogate pairs).</summary>
    private static readonly string[] TextPieces =
    [
        "a", "Z", "0", " ", "~", "\"", "\\", "/", "<", "&", "'", "ä", "ß", "é", "Ω", "€", "你", "好", "ア", "한", "\u200b", "\u00a0", "😀", "🏠", "𝄞",
    ];

    /// <summary>A tid or did: 1 to 64 characters of [A-Za-z0-9_-].</summary>
    public static Gen<string> Id { get; } =
        Gen.Frequency(
                (4, Gen.Choose(1, 12)),
                (1, Gen.Choose(1, 64)),
                (1, Gen.Elements(1, 63, 64)))
            .SelectMany(length => Gen.ArrayOf(Gen.Elements(IdAlphabet.ToCharArray()), length))
            .Select(chars => new string(chars));

    public static Gen<string?> OptionalId { get; } = Gen.Frequency((1, Gen.Constant<string?>(null)), (3, Id.Select(id => (string?)id)));

    /// <summary>Bytes of a length in [min, max], favouring the ends.</summary>
    public static Gen<byte[]> Bytes(int min, int max) =>
        from length in Gen.Frequency(
            (3, Gen.Choose(min, Math.Min(max, min + 64))),
            (2, Gen.Choose(min, max)),
            (1, Gen.Elements(min, max, Math.Min(max, min + 1), Math.Min(max, min + 16))))
        from seed in Gen.Choose(0, int.MaxValue)
        select Fill(length, seed);

    public static Gen<SymmetricKey> Key { get; } = Bytes(SymmetricKey.Size, SymmetricKey.Size).Select(bytes => new SymmetricKey(bytes));

    /// <summary>Two keys that differ (the WAN and LAN keys of a pair must).</summary>
    public static Gen<(SymmetricKey, SymmetricKey)> KeyPair { get; } =
        Gen.Two(Key).Where(pair => !pair.Item1.Equals(pair.Item2)).Select(pair => (pair.Item1, pair.Item2));

    public static Gen<uint> UInt { get; } =
        Gen.Frequency(
            (3, Gen.Choose(0, 1000).Select(i => (uint)i)),
            (2, Gen.Choose(int.MinValue, int.MaxValue).Select(i => unchecked((uint)i))),
            (1, Gen.Elements(0u, 1u, uint.MaxValue, uint.MaxValue - 1, 0x8000_0000u)));

    public static Gen<ulong> Counter { get; } =
        Gen.Frequency(
            (3, Gen.Choose(0, 1000).Select(i => (ulong)i)),
            (2, Gen.Two(Gen.Choose(int.MinValue, int.MaxValue)).Select(p => ((ulong)(uint)p.Item1 << 32) | (uint)p.Item2)),
            (1, Gen.Choose(2, 100).Select(d => ulong.MaxValue - (ulong)d)));

    /// <summary>Text of <paramref name="minBytes"/> to <paramref name="maxBytes"/> UTF-8 bytes, valid Unicode, no control characters.</summary>
    public static Gen<string> Text(int minBytes, int maxBytes) =>
        from target in Gen.Frequency((4, Gen.Choose(minBytes, Math.Min(maxBytes, minBytes + 24))), (1, Gen.Choose(minBytes, maxBytes)))
        from pieces in Gen.ArrayOf(Gen.Elements(TextPieces), target + 4)
        from padding in Gen.Elements("a", "b", "0")
        select Build(pieces, padding, minBytes, target);

    public static Gen<string?> OptionalText(int minBytes, int maxBytes) =>
        Gen.Frequency((1, Gen.Constant<string?>(null)), (2, Text(minBytes, maxBytes).Select(text => (string?)text)));

    public static Gen<string> Mac { get; } =
        Bytes(6, 6).Select(bytes => string.Join(":", bytes.Select(b => b.ToString("X2", CultureInfo.InvariantCulture))));

    public static Gen<string> Ip { get; } =
        Gen.OneOf(Bytes(4, 4), Bytes(16, 16)).Select(bytes => new IPAddress(bytes).ToString());

    public static Gen<string> Uuid { get; } =
        from bytes in Bytes(16, 16)
        from upper in Gen.Elements(false, true)
        select upper ? new Guid(bytes).ToString("D").ToUpperInvariant() : new Guid(bytes).ToString("D");

    public static Gen<string> Hash { get; } = Bytes(32, 32).Select(Convert.ToHexStringLower);

    public static Gen<string> HttpUrl { get; } =
        from scheme in Gen.Elements("https", "http")
        from host in Id
        from path in Id
        select $"{scheme}://{host.ToLowerInvariant().Replace('_', 'x')}.example/{path}";

    public static Gen<string> MqttUrl { get; } =
        from scheme in Gen.Elements("mqtts", "mqtt")
        from host in Id
        from port in Gen.Choose(1, 65535)
        select string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host.ToLowerInvariant().Replace('_', 'x')}.example:{port}");

    /// <summary>A moment between 2000 and 2100 with an offset from -14:00 to +14:00 (whole minutes).</summary>
    public static Gen<DateTimeOffset> Moment { get; } =
        from days in Gen.Choose(0, 36_500)
        from seconds in Gen.Choose(0, 86_399)
        from fraction in Gen.Elements(0, 1, 1_234_567, 9_999_999)
        from offset in Gen.Choose(-14 * 60, 14 * 60)
        select new DateTimeOffset(new DateTime(2000, 1, 1).AddDays(days).AddSeconds(seconds).AddTicks(fraction), TimeSpan.FromMinutes(offset));

    public static Gen<ProtocolErrorCode> ErrorCode { get; } = Gen.Elements(ProtocolErrors.All.ToArray());

    public static Gen<T> Enum<T>()
        where T : struct, System.Enum => Gen.Elements(System.Enum.GetValues<T>());

    public static byte[] Fill(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Build(string[] pieces, string padding, int minBytes, int targetBytes)
    {
        var builder = new StringBuilder();
        var bytes = 0;
        foreach (var piece in pieces)
        {
            var size = Encoding.UTF8.GetByteCount(piece);
            if (bytes + size > targetBytes)
            {
                break;
            }
            builder.Append(piece);
            bytes += size;
        }
        while (bytes < minBytes)
        {
            builder.Append(padding);
            bytes++;
        }
        return builder.ToString();
    }
}
