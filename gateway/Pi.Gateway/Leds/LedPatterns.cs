namespace Pi.Gateway.Leds;

/// <summary>
/// The gateway's blink patterns, as data: one table for a single status LED and one for a
/// green + red pair. Leds/README.md shows the same tables (a test keeps them equal), and a test
/// checks that no two patterns of a table look alike, whatever the phase.
/// </summary>
public static class LedPatterns
{
    // One LED: speed and rhythm carry the state.
    private static readonly (LedState State, string Led)[] OneLed =
    [
        (LedState.SoftApWaiting, "+1000 -1000"),
        (LedState.Provisioning, "+250 -250"),
        (LedState.Connecting, "+500 -500"),
        (LedState.Online, "+2000"),
        (LedState.CloudUnreachable, "+150 -150 +150 -1550"),
        (LedState.KeyExpiring, "+1800 -200"),
        (LedState.KeyExpired, "+150 -150 +150 -150 +150 -1250"),
        (LedState.Resetting, "+100 -100"),
        (LedState.Error, "+600 -200 +200 -1000"),
    ];

    // Green + red: green is the gateway's progress, red is trouble.
    private static readonly (LedState State, string Green, string Red)[] TwoLeds =
    [
        (LedState.SoftApWaiting, "+1000 -1000", "-2000"),
        (LedState.Provisioning, "+250 -250", "-500"),
        (LedState.Connecting, "+500 -500", "-1000"),
        (LedState.Online, "+2000", "-2000"),
        (LedState.CloudUnreachable, "+2000", "+150 -150 +150 -1550"),
        (LedState.KeyExpiring, "+2000", "+200 -1800"),
        (LedState.KeyExpired, "-2000", "+1000 -1000"),
        (LedState.Resetting, "+100 -100", "-100 +100"),
        (LedState.Error, "-2000", "+2000"),
    ];

    private static readonly Dictionary<LedState, LedPattern> OneLedPatterns =
        OneLed.ToDictionary(r => r.State, r => new LedPattern(r.State.ToString(), [LedTrack.Parse(r.Led)]));

    private static readonly Dictionary<LedState, LedPattern> TwoLedPatterns =
        TwoLeds.ToDictionary(r => r.State, r => new LedPattern(r.State.ToString(), [LedTrack.Parse(r.Green), LedTrack.Parse(r.Red)]));

    /// <summary>The pattern that shows <paramref name="state"/> on <paramref name="ledCount"/> LEDs (1 or 2).</summary>
    public static LedPattern For(LedState state, int ledCount) => ledCount switch
    {
        1 => OneLedPatterns.TryGetValue(state, out var one) ? one : throw new ArgumentOutOfRangeException(nameof(state), state, null),
        2 => TwoLedPatterns.TryGetValue(state, out var two) ? two : throw new ArgumentOutOfRangeException(nameof(state), state, null),
        _ => throw new ArgumentOutOfRangeException(nameof(ledCount), ledCount, "The gateway has one or two status LEDs."),
    };
}
