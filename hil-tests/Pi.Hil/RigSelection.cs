using Pi.Hil.Pi;
using Pi.Hil.Processes;

namespace Pi.Hil;

/// <summary>
/// Which rig the suite runs on: <c>PI_HIL_RIG=pi</c> with <c>PI_HIL_CONFIG=&lt;file&gt;</c> selects
/// the Pi rig (docs/hardware.md); anything else the simulated rig.
/// </summary>
public static class RigSelection
{
    /// <summary>The environment variable naming the rig.</summary>
    public const string RigVariable = "PI_HIL_RIG";

    /// <summary>The environment variable naming the Pi rig's configuration file.</summary>
    public const string ConfigVariable = "PI_HIL_CONFIG";

    /// <summary>Whether the Pi rig is selected.</summary>
    public static bool PiSelected => string.Equals(Environment.GetEnvironmentVariable(RigVariable), "pi", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Pi rig's options from <c>PI_HIL_CONFIG</c>.</summary>
    public static PiRigOptions LoadPiOptions() =>
        PiRigOptions.Load(Environment.GetEnvironmentVariable(ConfigVariable) is { Length: > 0 } path
            ? path
            : throw new InvalidOperationException($"{RigVariable}=pi needs {ConfigVariable}=<the rig's JSON configuration> (docs/hardware.md)"));

    /// <summary>The Pi rig on this machine's GPIO (only when selected: the GPIO controller is made here).</summary>
    public static PiRig CreatePiRig(string appDll, RigLog log) => PiRig.OnThisPi(LoadPiOptions(), appDll, log);
}
