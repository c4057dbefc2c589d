using System.Buffers.Binary;
using System.Globalization;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// A big-endian length field of a format: where it is in a given input (or -1 when the input is
/// too short to have it), how wide it is, and the largest value the format allows there.
/// </summary>
internal sealed record LengthField(string Name, Func<byte[], int> Offset, int Size, ulong Max);

/// <summary>
/// Mutates valid inputs of one format. The first cases are systematic (every truncation of every
/// corpus item, then every lie in every length field); after that each case applies one to four
/// random mutations: bit flips, bytes set to 0x00/0xFF/random, truncation, extension with
/// garbage, splices of two corpus items, lying length fields, duplicated, deleted or inserted
/// regions. Header bytes (<c>hotBytes</c>) are hit more often than their share.
/// </summary>
internal sealed class ByteMutator
{
    private static readonly string[] LieNames = ["0", "max", "max+1", "0xFFFF", "0xFFFFFFFF", "random"];

    private readonly byte[][] _corpus;
    private readonly LengthField[] _fields;
    private readonly int _hotBytes;
    private readonly int _maxExtension;
    private readonly int _truncations;

    public ByteMutator(IEnumerable<byte[]> corpus, IEnumerable<LengthField> fields, int hotBytes, int maxExtension)
    {
        _corpus = [.. corpus];
        _fields = [.. fields];
        _hotBytes = hotBytes;
        _maxExtension = maxExtension;
        _truncations = _corpus.Sum(item => item.Length);
        SystematicCases = _truncations + (_corpus.Length * _fields.Length * LieNames.Length);
    }

    public IReadOnlyList<byte[]> Corpus => _corpus;

    /// <summary>How many of the first cases are systematic rather than random.</summary>
    public int SystematicCases { get; }

    /// <summary>True when <paramref name="bytes"/> equals a corpus item.</summary>
    public bool IsOriginal(ReadOnlySpan<byte> bytes)
    {
        foreach (var item in _corpus)
        {
            if (item.Length == bytes.Length && bytes.SequenceEqual(item))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Case <paramref name="index"/>; random cases never equal a corpus item.</summary>
    public FuzzCase<byte[]> Next(Random rng, int index)
    {
        if (index < _truncations)
        {
            foreach (var item in _corpus)
            {
                if (index < item.Length)
                {
                    return new(item[..index], $"truncated to {index} of {item.Length} bytes");
                }
                index -= item.Length;
            }
        }
        index -= _truncations;
        if (index < _corpus.Length * _fields.Length * LieNames.Length)
        {
            var item = _corpus[index / (_fields.Length * LieNames.Length)];
            var field = _fields[index / LieNames.Length % _fields.Length];
            var lie = index % LieNames.Length;
            var bytes = (byte[])item.Clone();
            var offset = field.Offset(bytes);
            if (offset >= 0 && offset + field.Size <= bytes.Length)
            {
                WriteLie(rng, bytes, offset, field, lie);
                if (!IsOriginal(bytes))
                {
                    return new(bytes, $"{field.Name} set to {LieNames[lie]}");
                }
            }
        }
        return Random(rng);
    }

    /// <summary>One to four random mutations of a random corpus item; never a corpus item itself.</summary>
    public FuzzCase<byte[]> Random(Random rng)
    {
        while (true)
        {
            var source = rng.Next(_corpus.Length);
            var bytes = _corpus[source];
            var steps = rng.Next(10) switch { < 7 => 1, < 9 => 2, _ => rng.Next(3, 5) };
            var description = new List<string>(steps);
            for (var step = 0; step < steps; step++)
            {
                bytes = MutateOnce(rng, bytes, out var what);
                description.Add(what);
            }
            if (!IsOriginal(bytes))
            {
                return new(bytes, string.Create(CultureInfo.InvariantCulture, $"corpus[{source}]: {string.Join("; ", description)}"));
            }
        }
    }

    private byte[] MutateOnce(Random rng, byte[] input, out string what)
    {
        var length = input.Length;
        switch (rng.Next(12))
        {
            case 0 when length > 0:
            {
                var at = Position(rng, length);
                var bit = rng.Next(8);
                var bytes = (byte[])input.Clone();
                bytes[at] ^= (byte)(1 << bit);
                what = Describe($"bit {bit} of byte {at} flipped");
                return bytes;
            }
            case 1 when length > 0:
            case 2 when length > 0:
            {
                var at = Position(rng, length);
                var value = rng.Next(3) switch { 0 => (byte)0x00, 1 => (byte)0xFF, _ => (byte)rng.Next(256) };
                var bytes = (byte[])input.Clone();
                bytes[at] = value;
                what = Describe($"byte {at} set to 0x{value:X2}");
                return bytes;
            }
            case 3 when length > 0:
            {
                var cut = rng.Next(length);
                what = Describe($"truncated to {cut}");
                return input[..cut];
            }
            case 4:
            {
                var count = rng.Next(20) switch
                {
                    0 => rng.Next(1, _maxExtension + 1),
                    1 => _maxExtension - rng.Next(Math.Min(64, _maxExtension)),
                    _ => rng.Next(1, 33),
                };
                var bytes = new byte[length + count];
                input.CopyTo(bytes, 0);
                FillGarbage(rng, bytes.AsSpan(length));
                what = Describe($"extended by {count} bytes");
                return bytes;
            }
            case 5:
            {
                var other = _corpus[rng.Next(_corpus.Length)];
                var cutA = rng.Next(length + 1);
                var cutB = rng.Next(2) == 0 ? Math.Min(cutA, other.Length) : rng.Next(other.Length + 1);
                what = Describe($"spliced [..{cutA}] with another item's [{cutB}..]");
                return [.. input.AsSpan(0, cutA), .. other.AsSpan(cutB)];
            }
            case 6 when _fields.Length > 0:
            {
                var field = _fields[rng.Next(_fields.Length)];
                var offset = field.Offset(input);
                if (offset < 0 || offset + field.Size > length)
                {
                    break;
                }
                var lie = rng.Next(LieNames.Length);
                var bytes = (byte[])input.Clone();
                WriteLie(rng, bytes, offset, field, lie);
                what = Describe($"{field.Name} set to {LieNames[lie]}");
                return bytes;
            }
            case 7 when length > 0:
            {
                var start = rng.Next(length);
                var count = rng.Next(1, Math.Min(length - start, 64) + 1);
                what = Describe($"duplicated [{start}..{start + count})");
                return [.. input.AsSpan(0, start + count), .. input.AsSpan(start, count), .. input.AsSpan(start + count)];
            }
            case 8 when length > 0:
            {
                var start = rng.Next(length);
                var count = rng.Next(1, Math.Min(length - start, 16) + 1);
                what = Describe($"deleted [{start}..{start + count})");
                return [.. input.AsSpan(0, start), .. input.AsSpan(start + count)];
            }
            case 9:
            {
                var at = rng.Next(length + 1);
                var garbage = new byte[rng.Next(1, 9)];
                FillGarbage(rng, garbage);
                what = Describe($"inserted {garbage.Length} bytes at {at}");
                return [.. input.AsSpan(0, at), .. garbage, .. input.AsSpan(at)];
            }
            case 10 when length > 1:
            {
                var a = Position(rng, length);
                var b = rng.Next(length);
                var bytes = (byte[])input.Clone();
                (bytes[a], bytes[b]) = (bytes[b], bytes[a]);
                what = Describe($"swapped bytes {a} and {b}");
                return bytes;
            }
            case 11 when length > 0:
            {
                var at = Position(rng, length);
                var count = rng.Next(1, Math.Min(length - at, 8) + 1);
                var bytes = (byte[])input.Clone();
                FillGarbage(rng, bytes.AsSpan(at, count));
                what = Describe($"overwrote [{at}..{at + count}) with garbage");
                return bytes;
            }
            default:
                break;
        }
        var flip = (byte[])input.Clone();
        if (flip.Length == 0)
        {
            what = "replaced an empty input by one random byte";
            return [(byte)rng.Next(256)];
        }
        var position = rng.Next(flip.Length);
        flip[position] ^= 0x80;
        what = Describe($"top bit of byte {position} flipped");
        return flip;
    }

    private int Position(Random rng, int length) =>
        rng.Next(10) < 4 ? rng.Next(Math.Min(length, _hotBytes)) : rng.Next(length);

    private static void FillGarbage(Random rng, Span<byte> span)
    {
        switch (rng.Next(4))
        {
            case 0:
                span.Clear();
                break;
            case 1:
                span.Fill(0xFF);
                break;
            default:
                rng.NextBytes(span);
                break;
        }
    }

    private static void WriteLie(Random rng, byte[] bytes, int offset, LengthField field, int lie)
    {
        var value = lie switch
        {
            0 => 0UL,
            1 => field.Max,
            2 => field.Max + 1,
            3 => 0xFFFFUL,
            4 => 0xFFFF_FFFFUL,
            _ => (ulong)rng.NextInt64(),
        };
        Span<byte> wide = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(wide, value);
        wide[(8 - field.Size)..].CopyTo(bytes.AsSpan(offset, field.Size));
    }

    private static string Describe(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
