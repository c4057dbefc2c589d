using System.Device.Gpio;

namespace Pi.Gateway.Gpio;

/// <summary>How the gateway has configured a virtual pin (<see cref="Closed"/> until it opens it).</summary>
public enum VirtualPinMode
{
    /// <summary>Not opened by the gateway. The rig may still drive the wire.</summary>
    Closed = 0,

    /// <summary>Input without a pull resistor: an undriven wire keeps its last level.</summary>
    Input = 1,

    /// <summary>Input with the pull-up on: an undriven wire reads high.</summary>
    InputPullUp = 2,

    /// <summary>Input with the pull-down on: an undriven wire reads low.</summary>
    InputPullDown = 3,

    /// <summary>Output: the gateway drives the wire; the rig can only read it.</summary>
    Output = 4,
}

/// <summary>A level change on a virtual pin's wire, stamped with the driver's clock.</summary>
public readonly record struct VirtualPinChange(int Pin, PinValue Level, DateTimeOffset At);

/// <summary>One pin as the wire sees it now.</summary>
public readonly record struct VirtualPinState(int Pin, VirtualPinMode Mode, PinValue Level);

/// <summary>
/// One pin's wire: the gateway's side (mode, output level) and the rig's side (the level it
/// drives, or none), and the level both produce. Guarded by the driver's lock.
/// </summary>
internal sealed class VirtualPin
{
    public VirtualPinMode Mode { get; set; }

    /// <summary>The level the rig drives onto the wire, or null when it lets the wire float.</summary>
    public PinValue? Driven { get; set; }

    /// <summary>What the gateway wrote (meaningful in <see cref="VirtualPinMode.Output"/>).</summary>
    public PinValue OutputLevel { get; set; } = PinValue.Low;

    /// <summary>The level on the wire.</summary>
    public PinValue Level { get; set; } = PinValue.Low;

    public List<(PinEventTypes Types, PinChangeEventHandler Handler)> Callbacks { get; } = [];

    public List<(PinEventTypes Types, TaskCompletionSource<PinEventTypes> Waiter)> Waiters { get; } = [];

    /// <summary>The level the wire settles at for the current mode and drive.</summary>
    public PinValue SettledLevel() => Mode switch
    {
        VirtualPinMode.Output => OutputLevel,
        VirtualPinMode.InputPullUp => Driven ?? PinValue.High,
        VirtualPinMode.InputPullDown => Driven ?? PinValue.Low,
        // A floating input (or a closed pin) keeps what it last had, like a real line's capacitance.
        _ => Driven ?? Level,
    };

    public static VirtualPinMode From(PinMode mode) => mode switch
    {
        PinMode.Input => VirtualPinMode.Input,
        PinMode.InputPullUp => VirtualPinMode.InputPullUp,
        PinMode.InputPullDown => VirtualPinMode.InputPullDown,
        PinMode.Output => VirtualPinMode.Output,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "The virtual driver supports Input, InputPullUp, InputPullDown and Output."),
    };

    public static PinMode To(VirtualPinMode mode) => mode switch
    {
        VirtualPinMode.Input => PinMode.Input,
        VirtualPinMode.InputPullUp => PinMode.InputPullUp,
        VirtualPinMode.InputPullDown => PinMode.InputPullDown,
        VirtualPinMode.Output => PinMode.Output,
        _ => throw new InvalidOperationException("The pin is not open."),
    };
}
