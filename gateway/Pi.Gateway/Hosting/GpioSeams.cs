using Pi.Gateway.Gpio;
using Pi.Gateway.Leds;

namespace Pi.Gateway.Hosting;

/// <summary>The state machine's LED states shown on the GPIO status LEDs.</summary>
public sealed class GpioStatusIndicator(StatusLeds leds) : IStatusIndicator
{
    /// <inheritdoc />
    public void Show(Core.LedState state)
    {
        Leds.LedState? pattern = state switch
        {
            Core.LedState.SoftApWaiting => Leds.LedState.SoftApWaiting,
            Core.LedState.Provisioning => Leds.LedState.Provisioning,
            Core.LedState.Connecting => Leds.LedState.Connecting,
            Core.LedState.Online => Leds.LedState.Online,
            Core.LedState.CloudUnreachable => Leds.LedState.CloudUnreachable,
            Core.LedState.KeyExpiring => Leds.LedState.KeyExpiring,
            Core.LedState.KeyExpired => Leds.LedState.KeyExpired,
            Core.LedState.Resetting => Leds.LedState.Resetting,
            Core.LedState.Error => Leds.LedState.Error,
            _ => null, // Off: the LEDs stop with the service
        };
        if (pattern is { } value)
        {
            leds.Show(value);
        }
    }
}

/// <summary>The GPIO reset button's classified presses, as the runner hears them.</summary>
public sealed class GpioResetButtonSource : IResetButtonSource
{
    public GpioResetButtonSource(ResetButton button)
    {
        ArgumentNullException.ThrowIfNull(button);
        button.ShortPress += (_, _) => ShortPress?.Invoke();
        button.LongPress += (_, _) => LongPress?.Invoke();
    }

    /// <inheritdoc />
    public event Action? ShortPress;

    /// <inheritdoc />
    public event Action? LongPress;
}
