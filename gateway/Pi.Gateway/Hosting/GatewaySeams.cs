using Pi.Gateway.Core;

namespace Pi.Gateway.Hosting;

/// <summary>Shows the gateway's state on its LEDs (GPIO on a Pi; recorded in tests).</summary>
public interface IStatusIndicator
{
    /// <summary>Switches to the pattern of <paramref name="state"/>.</summary>
    void Show(LedState state);
}

/// <summary>The reset button's presses, already classified (GPIO on a Pi; driven by tests).</summary>
public interface IResetButtonSource
{
    /// <summary>A short press: opens the sub-device pairing window when online.</summary>
    event Action? ShortPress;

    /// <summary>A long press (default 5 s): factory reset.</summary>
    event Action? LongPress;
}

/// <summary>The sub-device pairing window (the LAN bridge implements it; without the bridge it is only logged).</summary>
public interface IPairingWindow
{
    /// <summary>Opens the window for <paramref name="duration"/>.</summary>
    void Open(TimeSpan duration);
}

/// <summary>Tells the service manager the main loop is healthy (systemd's watchdog).</summary>
public interface IHealthReporter
{
    /// <summary>Called after every event the loop processed.</summary>
    void Report(bool healthy);
}

/// <summary>The sub-device bridge, as the main loop sees it at a factory reset.</summary>
public interface ISubDeviceBridge
{
    /// <summary>Revokes and disconnects every sub-device and empties the offline queue.</summary>
    Task WipeAsync(CancellationToken cancellationToken);
}
