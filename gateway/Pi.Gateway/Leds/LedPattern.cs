using System.Globalization;
using System.Text;

namespace Pi.Gateway.Leds;

/// <summary>One step of an LED's blink: on or off for a while.</summary>
public readonly record struct LedStep(bool On, TimeSpan Duration);

/// <summary>
/// What one LED does over a pattern: steps in order. Written as text for tables and docs:
/// <c>+150 -150 +150 -1550</c> is on 150 ms, off 150 ms, on 150 ms, off 1550 ms.
/// </summary>
public sealed class LedTrack
{
    private const int MaxSteps = 32;
    private static readonly TimeSpan MaxStep = TimeSpan.FromMinutes(1);

    /// <summary>Steps in order; at least one, each at least 1 ms long, in whole milliseconds.</summary>
    public LedTrack(IEnumerable<LedStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        Steps = [.. steps];
        if (Steps.Count is 0 or > MaxSteps)
        {
            throw new ArgumentException($"A track has 1 to {MaxSteps} steps.", nameof(steps));
        }

        foreach (var step in Steps)
        {
            if (step.Duration < TimeSpan.FromMilliseconds(1) || step.Duration > MaxStep || step.Duration.Ticks % TimeSpan.TicksPerMillisecond != 0)
            {
                throw new ArgumentException("Steps last whole milliseconds, from 1 ms to a minute.", nameof(steps));
            }
        }

        Length = TimeSpan.FromTicks(Steps.Sum(s => s.Duration.Ticks));
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<LedStep> Steps { get; }

    /// <summary>The sum of the steps.</summary>
    public TimeSpan Length { get; }

    /// <summary>Reads the notation: <c>+ms</c> for on, <c>-ms</c> for off, separated by spaces.</summary>
    /// <exception cref="FormatException">Not that notation.</exception>
    public static LedTrack Parse(string notation)
    {
        ArgumentNullException.ThrowIfNull(notation);
        var steps = new List<LedStep>();
        foreach (var token in notation.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.Length < 2 || token[0] is not ('+' or '-')
                || !int.TryParse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                throw new FormatException($"'{token}' is not a step: write +ms (on) or -ms (off).");
            }

            steps.Add(new LedStep(token[0] == '+', TimeSpan.FromMilliseconds(ms)));
        }

        try
        {
            return new LedTrack(steps);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"'{notation}': {ex.Message}", ex);
        }
    }

    /// <summary>The track in the notation <see cref="Parse"/> reads.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var step in Steps)
        {
            text.Append(text.Length == 0 ? "" : " ").Append(step.On ? '+' : '-')
                .Append(((long)step.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}

/// <summary>
/// A named blink pattern: one track per LED (index 0 is the first entry of <c>Gpio:LedPins</c>).
/// A repeating pattern loops over its period (all tracks are as long); a one-shot pattern plays
/// once and each LED then keeps the level of its last step.
/// </summary>
public sealed class LedPattern
{
    /// <summary>The most LEDs a pattern drives.</summary>
    public const int MaxLeds = 2;

    public LedPattern(string name, IReadOnlyList<LedTrack> leds, bool repeats = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(leds);
        if (leds.Count is 0 or > MaxLeds)
        {
            throw new ArgumentException($"A pattern drives 1 to {MaxLeds} LEDs.", nameof(leds));
        }

        if (repeats && leds.Any(t => t.Length != leds[0].Length))
        {
            throw new ArgumentException($"Pattern {name}: every LED's track must be as long, so the pattern has one period.", nameof(leds));
        }

        Name = name;
        Leds = [.. leds];
        Repeats = repeats;
    }

    /// <summary>The pattern's name (the <see cref="LedState"/> it shows, for the built-in ones).</summary>
    public string Name { get; }

    /// <summary>One track per LED.</summary>
    public IReadOnlyList<LedTrack> Leds { get; }

    /// <summary>True when the pattern loops; false when it plays once and holds.</summary>
    public bool Repeats { get; }

    /// <summary>The period (repeating) or the time until every LED holds (one-shot).</summary>
    public TimeSpan Length => Leds.Max(t => t.Length);

    public override string ToString() => $"{Name}: {string.Join(" | ", Leds)}{(Repeats ? "" : " (once)")}";
}
