namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// Mutates valid strings of one format. The first cases truncate every corpus item at every
/// length; then each case applies one to three random edits: replace, insert, delete, duplicate
/// or swap characters (from the format's own symbols, separators, ASCII, control characters,
/// non-ASCII letters, lone surrogates), change case, splice two items, or pad far past any limit.
/// </summary>
internal sealed class TextMutator
{
    private static readonly char[] Odd =
    [
        '\0', '\t', '\n', '\r', ' ', '\u007f', '\u00a0', '\u00e4', '\u0130', '\u0131', '\u017f', '\u212a', '\u2028',
        '\u200b', '\ufeff', '\uff10', '\uff21', '\ud800', '\udc00', '\uffff', '/', '+', '#', '$', '-', '_', '=', '.',
    ];

    private readonly string[] _corpus;
    private readonly char[] _symbols;
    private readonly int _longLength;
    private readonly int _truncations;

    /// <param name="corpus">Valid inputs.</param>
    /// <param name="symbols">The characters the format is made of.</param>
    /// <param name="longLength">A length past the decoder's limit, for padding.</param>
    public TextMutator(IEnumerable<string> corpus, string symbols, int longLength)
    {
        _corpus = [.. corpus];
        _symbols = symbols.ToCharArray();
        _longLength = longLength;
        _truncations = _corpus.Sum(item => item.Length);
    }

    public IReadOnlyList<string> Corpus => _corpus;

    public bool IsOriginal(string text) => _corpus.Contains(text, StringComparer.Ordinal);

    public FuzzCase<string> Next(Random rng, int index)
    {
        if (index < _truncations)
        {
            foreach (var item in _corpus)
            {
                if (index < item.Length)
                {
                    return new(item[..index], $"truncated to {index} of {item.Length} characters");
                }
                index -= item.Length;
            }
        }
        while (true)
        {
            var source = rng.Next(_corpus.Length);
            var text = _corpus[source];
            var steps = rng.Next(10) switch { < 7 => 1, < 9 => 2, _ => 3 };
            var what = new List<string>(steps);
            for (var step = 0; step < steps; step++)
            {
                text = Edit(rng, text, out var edit);
                what.Add(edit);
            }
            if (!IsOriginal(text))
            {
                return new(text, $"corpus[{source}]: {string.Join("; ", what)}");
            }
        }
    }

    private string Edit(Random rng, string text, out string what)
    {
        var at = rng.Next(text.Length + 1);
        var c = rng.Next(4) switch
        {
            0 or 1 => _symbols[rng.Next(_symbols.Length)],
            2 => Odd[rng.Next(Odd.Length)],
            _ => (char)rng.Next(0x20, 0x7f),
        };
        switch (rng.Next(9))
        {
            case 0 or 1 when text.Length > 0:
                at = Math.Min(at, text.Length - 1);
                what = $"char {at} replaced by U+{(int)c:X4}";
                return string.Concat(text.AsSpan(0, at), [c], text.AsSpan(at + 1));
            case 2:
                what = $"U+{(int)c:X4} inserted at {at}";
                return text.Insert(at, c.ToString());
            case 3 when text.Length > 0:
                at = Math.Min(at, text.Length - 1);
                var count = rng.Next(1, Math.Min(4, text.Length - at) + 1);
                what = $"deleted [{at}..{at + count})";
                return text.Remove(at, count);
            case 4 when text.Length > 1:
                at = Math.Min(at, text.Length - 2);
                what = $"swapped chars {at} and {at + 1}";
                return string.Concat(text.AsSpan(0, at), [text[at + 1], text[at]], text.AsSpan(at + 2));
            case 5 when text.Length > 0:
                at = Math.Min(at, text.Length - 1);
                var length = rng.Next(1, text.Length - at + 1);
                what = $"duplicated [{at}..{at + length})";
                return text.Insert(at + length, text.Substring(at, length));
            case 6:
                what = rng.Next(2) == 0 ? "lower-cased" : "upper-cased";
                return what == "lower-cased" ? text.ToLowerInvariant() : text.ToUpperInvariant();
            case 7:
                var other = _corpus[rng.Next(_corpus.Length)];
                var cutB = rng.Next(other.Length + 1);
                what = $"spliced [..{at}] with another item's [{cutB}..]";
                return string.Concat(text.AsSpan(0, at), other.AsSpan(cutB));
            case 8 when rng.Next(4) == 0:
                var pad = rng.Next(2) == 0 ? _longLength - text.Length + rng.Next(-2, 3) : rng.Next(1, 2 * _longLength);
                pad = Math.Max(pad, 1);
                what = $"padded with {pad} x U+{(int)c:X4}";
                return rng.Next(2) == 0 ? text + new string(c, pad) : new string(c, pad) + text;
            default:
                var symbol = _symbols[rng.Next(_symbols.Length)];
                what = $"'{symbol}' inserted at {at}";
                return text.Insert(at, symbol.ToString());
        }
    }
}
