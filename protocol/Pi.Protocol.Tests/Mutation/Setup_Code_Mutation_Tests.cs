using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Xunit.Abstractions;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>SetupCode.TryParse and Parse against a reference model of the code format.</summary>
public sealed class Setup_Code_Mutation_Tests(ITestOutputHelper output)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    [Fact]
    public void Mutated_setup_codes_parse_exactly_when_the_model_accepts_them()
    {
        var corpusRng = new Random(Fuzz.Seed);
        var corpus = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var data = new string([.. Enumerable.Range(0, 17).Select(_ => Alphabet[corpusRng.Next(32)])]);
            var valid = data + CheckSymbol(data);
            var display = $"{valid[..6]}-{valid[6..12]}-{valid[12..]}";
            corpus.Add((i % 4) switch
            {
                0 => valid,
                1 => display,
                2 => display.ToLowerInvariant().Replace('-', ' '),
                _ => display.Replace('0', 'O').Replace('1', 'l'),
            });
        }
        var mutator = new TextMutator(corpus, Alphabet + "abcdefghjkmnpqrstvwxyzOoIiLlUu -", longLength: 65);
        var run = new FuzzRun("SetupCode.TryParse/Parse", output);
        string? canonical = null;

        run.Run(
            Fuzz.Cases,
            (rng, index) => rng.Next(1000) == 0 ? new FuzzCase<string>(null!, "null") : mutator.Next(rng, index),
            text => Decode(text, out canonical),
            (item, outcome) =>
            {
                var expected = Model(item.Input);
                return outcome.IsSuccess
                    ? (expected is null ? "accepted, but the model rejects it"
                        : canonical != expected ? $"canonical form {canonical} differs from the model's {expected}"
                        : null)
                    : expected is not null ? $"rejected a code the model accepts ({expected})" : null;
            },
            _ => 16_384);

        run.AssertReached("ok", "invalid_setup_code/length", "invalid_setup_code/alphabet", "invalid_setup_code/check");
    }

    [Fact]
    public void Every_single_symbol_substitution_of_a_code_is_rejected()
    {
        var rng = new Random(Fuzz.Seed);
        var substitutions = 0;
        for (var round = 0; round < 40; round++)
        {
            var data = new string([.. Enumerable.Range(0, 17).Select(_ => Alphabet[rng.Next(32)])]);
            var code = data + CheckSymbol(data);
            Assert.True(SetupCode.TryParse(code, out _, out _), "a code with the model's check symbol must parse");
            for (var position = 0; position < code.Length; position++)
            {
                foreach (var symbol in Alphabet.Where(symbol => symbol != code[position]))
                {
                    var changed = string.Concat(code.AsSpan(0, position), [symbol], code.AsSpan(position + 1));
                    Assert.False(SetupCode.TryParse(changed, out _, out _), $"seed {Fuzz.Seed}: {changed} (symbol {position} of {code} changed) parsed");
                    substitutions++;
                }
            }
        }
        output.WriteLine($"{substitutions} single-symbol substitutions rejected (seed {Fuzz.Seed}).");
    }

    private static Outcome Decode(string? text, out string? canonical)
    {
        canonical = null;
        if (SetupCode.TryParse(text, out var code, out var reason))
        {
            Assert.Equal(code, SetupCode.Parse(text!));
            canonical = code.ToCanonicalString();
            return Outcome.Success();
        }
        var error = Assert.Throws<ProtocolException>(() => SetupCode.Parse(text!));
        Assert.Equal(ProtocolErrorCode.InvalidSetupCode, error.Code);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        if (text is { Length: >= 4 })
        {
            Assert.DoesNotContain(text, reason, StringComparison.Ordinal);
        }
        var category = reason.Contains("check symbol", StringComparison.Ordinal) ? "check"
            : reason.Contains("18 symbols", StringComparison.Ordinal) ? "length"
            : "alphabet";
        return new Outcome(ProtocolErrorCode.InvalidSetupCode, category);
    }

    /// <summary>The canonical code for <paramref name="text"/>, or null if it is not a valid code.</summary>
    private static string? Model(string? text)
    {
        if (text is null || text.Length > 64)
        {
            return null;
        }
        var symbols = new StringBuilder();
        foreach (var raw in text)
        {
            if (raw is ' ' or '-')
            {
                continue;
            }
            var c = raw is >= 'a' and <= 'z' ? (char)(raw - 'a' + 'A') : raw;
            c = c switch { 'O' => '0', 'I' or 'L' => '1', _ => c };
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return null;
            }
            symbols.Append(c);
        }
        var canonical = symbols.ToString();
        return canonical.Length == 18 && CheckSymbol(canonical[..17]) == canonical[17] ? canonical : null;
    }

    /// <summary>Luhn mod 32 over the symbols' values, doubling from the rightmost data symbol.</summary>
    private static char CheckSymbol(string data)
    {
        var sum = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var value = Alphabet.IndexOf(data[data.Length - 1 - i], StringComparison.Ordinal) * (i % 2 == 0 ? 2 : 1);
            sum += (value / 32) + (value % 32);
        }
        return Alphabet[(32 - (sum % 32)) % 32];
    }
}
