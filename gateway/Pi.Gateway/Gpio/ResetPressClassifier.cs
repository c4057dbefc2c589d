namespace Pi.Gateway.Gpio;

/// <summary>What a press of the reset button was.</summary>
public enum ResetPressKind
{
    /// <summary>Pressed and let go before the long-press time.</summary>
    ShortPress = 1,

    /// <summary>Held for the long-press time (reported as soon as it is reached).</summary>
    LongPress = 2,
}

/// <summary>
/// The reset button's logic, apart from the pin (as dotnet/iot keeps ButtonBase apart from
/// GpioButton): it debounces raw edges and tells short presses from long ones. Pure: every input
/// carries its time, and the caller wakes it at <see cref="SettleDueAt"/>.
/// </summary>
/// <remarks>
/// Rules. A release counts once the button has stayed released for the debounce time; a press edge
/// inside that window is bounce, and the same press goes on (from its first edge). A press is long
/// when the hold timer says so while it is held (<see cref="HoldReached"/>), or, should that timer
/// have lost the race with the release or been restarted by bounce, when it lasted the long-press
/// time. A long press is reported once, and is never also a short press. A press shorter than the
/// debounce time is a spike and is not reported.
/// </remarks>
public sealed class ResetPressClassifier
{
    private Phase _phase;
    private TimeSpan _downAt;
    private TimeSpan _upAt;
    private bool _longReported;

    public ResetPressClassifier(TimeSpan longPress, TimeSpan debounce)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(debounce, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(longPress, debounce);
        LongPress = longPress;
        Debounce = debounce;
    }

    private enum Phase
    {
        Idle,
        Pressed,
        Releasing,
    }

    /// <summary>How long a press must last to be long.</summary>
    public TimeSpan LongPress { get; }

    /// <summary>How long a release must last to end a press; also the shortest press counted.</summary>
    public TimeSpan Debounce { get; }

    /// <summary>True from the first press edge until the release has settled.</summary>
    public bool IsPressed => _phase != Phase.Idle;

    /// <summary>When <see cref="Settle"/> must be called (unless a press edge comes first), or null.</summary>
    public TimeSpan? SettleDueAt => _phase == Phase.Releasing ? _upAt + Debounce : null;

    /// <summary>A press edge.</summary>
    public void Down(TimeSpan at)
    {
        switch (_phase)
        {
            case Phase.Idle:
                _phase = Phase.Pressed;
                _downAt = at;
                _longReported = false;
                break;
            case Phase.Releasing:
                // Bounce: the contact closed again before the release settled.
                _phase = Phase.Pressed;
                break;
            default:
                // Two press edges in a row: a release edge was missed; still the same press.
                break;
        }
    }

    /// <summary>A release edge. Nothing is decided until <see cref="SettleDueAt"/>.</summary>
    public void Up(TimeSpan at)
    {
        // A release never seen pressed (the button was held when the gateway started) is ignored.
        if (_phase != Phase.Idle)
        {
            _phase = Phase.Releasing;
            _upAt = at;
        }
    }

    /// <summary>The hold timer fired: a long press, if the button is still held and this press was not reported yet.</summary>
    public ResetPressKind? HoldReached(TimeSpan at)
    {
        if (_phase != Phase.Pressed || _longReported)
        {
            return null;
        }

        _longReported = true;
        return ResetPressKind.LongPress;
    }

    /// <summary>Ends a press whose release has lasted the debounce time, and says what it was.</summary>
    public ResetPressKind? Settle(TimeSpan at)
    {
        if (_phase != Phase.Releasing || at < _upAt + Debounce)
        {
            return null;
        }

        _phase = Phase.Idle;
        var held = _upAt - _downAt;
        if (_longReported || held < Debounce)
        {
            return null;
        }

        return held >= LongPress ? ResetPressKind.LongPress : ResetPressKind.ShortPress;
    }
}
