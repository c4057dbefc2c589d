namespace Pi.Gateway.State;

/// <summary>
/// identity.json is present but unreadable, and the gateway was not told to make a new identity.
/// The identity is printed on the label (MAC, setup code), so it must never change silently: the
/// gateway stops with this error, naming the file and the way out. The message never holds a secret.
/// </summary>
public sealed class IdentityCorruptException : Exception
{
    /// <summary>
    /// The exit code for this (78, EX_CONFIG from sysexits.h). The unit's
    /// <c>RestartPreventExitStatus=78</c> keeps systemd from restarting into the same error.
    /// </summary>
    public const int ExitCode = 78;

    /// <summary>An identity error for <paramref name="path"/>.</summary>
    public IdentityCorruptException(string path, string problem)
        : base($"{path} is corrupt ({problem}). The identity is printed on the gateway's label, so no new one is made silently. "
            + $"Recover by restoring {path} from a backup, or start once with {StateOptions.RegenerateIdentityArgument} "
            + "(the gateway then needs a new label: Pi.Gateway qr; the old registration is wiped)")
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>Not meaningful; use the other constructor.</summary>
    public IdentityCorruptException()
        : this("identity.json", "unknown problem")
    {
    }

    /// <summary>Not meaningful; use the other constructor.</summary>
    public IdentityCorruptException(string message)
        : base(message)
    {
        Path = string.Empty;
        Problem = message;
    }

    /// <summary>Not meaningful; use the other constructor.</summary>
    public IdentityCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
        Problem = message;
    }

    /// <summary>The identity file.</summary>
    public string Path { get; }

    /// <summary>What is wrong with it (never its content).</summary>
    public string Problem { get; }
}
