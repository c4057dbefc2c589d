namespace Pi.App.Demo;

/// <summary>
/// A step of the demo failed: <see cref="Step"/> names it (cloud, gateway, sub-devices, signup,
/// login, label, provision, subdevices add, telemetry, command), the message says what happened
/// (never a secret), and <see cref="ExitCode"/> is the failing app command's exit code, or
/// <see cref="DemoCommand.PartFailed"/> when a hosted part did not start or do its job in time.
/// </summary>
internal sealed class DemoStepException : Exception
{
    public DemoStepException(string step, string message, int exitCode, Exception? innerException = null)
        : base(message, innerException)
    {
        Step = step;
        ExitCode = exitCode;
    }

    public DemoStepException()
    {
        Step = "demo";
        ExitCode = DemoCommand.PartFailed;
    }

    public DemoStepException(string message)
        : this("demo", message, DemoCommand.PartFailed)
    {
    }

    public DemoStepException(string message, Exception innerException)
        : this("demo", message, DemoCommand.PartFailed, innerException)
    {
    }

    public string Step { get; }

    public int ExitCode { get; }
}
