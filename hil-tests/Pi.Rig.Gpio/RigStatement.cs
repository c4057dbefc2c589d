using System.Globalization;

namespace Pi.Rig.Gpio;

/// <summary>One statement of a rig script: a verb and its arguments, checked when the script is read.</summary>
internal sealed record RigStatement(string Verb, int Pin = -1, int Level = -1, TimeSpan Duration = default)
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static IReadOnlyList<RigStatement> ParseScript(string script)
    {
        var statements = new List<RigStatement>();
        foreach (var raw in script.Split([';', '\n']))
        {
            var comment = raw.IndexOf('#', StringComparison.Ordinal);
            var text = (comment >= 0 ? raw[..comment] : raw).Trim();
            if (text.Length > 0)
            {
                statements.Add(Parse(text));
            }
        }

        return statements;
    }

    private static RigStatement Parse(string text)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var verb = words[0].ToLowerInvariant();
        return (verb, words.Length) switch
        {
            ("watch" or "timeline", 1) => new RigStatement(verb),
            ("press", 3) => new RigStatement(verb, ParsePin(words[1]), Duration: ParseDuration(words[2])),
            ("down" or "up" or "float" or "read" or "mode", 2) => new RigStatement(verb, ParsePin(words[1])),
            ("set", 3) => new RigStatement(verb, ParsePin(words[1]), ParseLevel(words[2])),
            ("wait" or "record", 2) => new RigStatement(verb, Duration: ParseDuration(words[1])),
            ("wait-level", 3 or 4) => new RigStatement(verb, ParsePin(words[1]), ParseLevel(words[2]), words.Length == 4 ? ParseDuration(words[3]) : DefaultTimeout),
            ("wait-change", 2 or 3) => new RigStatement(verb, ParsePin(words[1]), Duration: words.Length == 3 ? ParseDuration(words[2]) : DefaultTimeout),
            _ => throw new FormatException($"'{text}' is not a statement (see --help)."),
        };
    }

    private static int ParsePin(string word) =>
        int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var pin) && pin < 1000 ? pin : throw new FormatException($"'{word}' is not a pin number.");

    private static int ParseLevel(string word) => word switch
    {
        "0" => 0,
        "1" => 1,
        _ => throw new FormatException($"'{word}' is not a level (0 or 1)."),
    };

    private static TimeSpan ParseDuration(string word)
    {
        var (number, scale) = word.EndsWith("ms", StringComparison.Ordinal) ? (word[..^2], 1.0)
            : word.EndsWith('s') ? (word[..^1], 1000.0)
            : (word, 1.0);
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value * scale <= TimeSpan.FromHours(1).TotalMilliseconds
            ? TimeSpan.FromMilliseconds(value * scale)
            : throw new FormatException($"'{word}' is not a duration (250ms, 2s).");
    }
}
