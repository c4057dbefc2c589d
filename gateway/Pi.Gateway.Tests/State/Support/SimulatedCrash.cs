using Pi.Gateway.State;

namespace Pi.Gateway.Tests.State.Support;

/// <summary>Thrown by a test's interruption hook: the process "dies" at that step.</summary>
internal sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException()
        : base("simulated crash")
    {
    }

    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    public SimulatedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Writers that crash at a chosen step.</summary>
internal static class CrashingWriter
{
    /// <summary>A writer that dies at <paramref name="step"/> of every write.</summary>
    public static AtomicFile At(AtomicWriteStep step) =>
        new((reached, _) =>
        {
            if (reached == step)
            {
                throw new SimulatedCrashException();
            }
        });

    /// <summary>A writer that dies at <paramref name="step"/> of its <paramref name="writeNumber"/>-th write (1-based) only.</summary>
    public static AtomicFile AtWrite(int writeNumber, AtomicWriteStep step)
    {
        var writes = 0;
        return new AtomicFile((reached, _) =>
        {
            if (reached == AtomicWriteStep.TempCreated)
            {
                writes++;
            }
            if (writes == writeNumber && reached == step)
            {
                throw new SimulatedCrashException();
            }
        });
    }
}
