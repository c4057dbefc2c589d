namespace Pi.Gateway.Wifi.Commands;

/// <summary>
/// Runs a program to completion and captures what it printed. Every tool the Wi-Fi radios drive
/// (iw, ip, wpa_cli, hostapd, dnsmasq, nmcli) goes through this seam, so tests script the outputs.
/// Secrets never go on a command line: they travel in files (mode 0600) or standard input.
/// </summary>
public interface ICommandRunner
{
    /// <summary>
    /// Runs <paramref name="command"/>. A run that outlives its timeout is killed (by PID) and
    /// reported with <see cref="CommandResult.TimedOut"/>; cancellation kills it too and throws.
    /// </summary>
    /// <exception cref="WifiException">The program could not be started (not installed, not executable).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken);
}

/// <summary>A program, its arguments, and the bounds of one run.</summary>
/// <param name="Program">The program: a name looked up on PATH (plus /usr/sbin and /sbin) or an absolute path.</param>
/// <param name="Arguments">The arguments, each passed as one argv entry (no shell).</param>
public sealed record Command(string Program, IReadOnlyList<string> Arguments)
{
    /// <summary>Default bound of one run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long the run may take before it is killed.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Text written to the program's standard input (then closed); null for none.</summary>
    public string? StandardInput { get; init; }

    /// <summary>Extra environment variables (for example <c>LC_ALL=C</c>).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>The command as one line, for logs and messages (arguments never hold secrets).</summary>
    public override string ToString() => Arguments.Count == 0 ? Program : Program + " " + string.Join(' ', Arguments);

    /// <summary>Shorthand: <c>Command.Of("iw", "dev", "wlan0", "scan")</c>.</summary>
    public static Command Of(string program, params string[] arguments) => new(program, arguments);
}

/// <summary>The outcome of one run.</summary>
/// <param name="ExitCode">The exit code (-1 when killed).</param>
/// <param name="StandardOutput">What it printed on stdout, at most <see cref="ProcessCommandRunner.MaxOutputChars"/> characters.</param>
/// <param name="StandardError">What it printed on stderr, bounded likewise.</param>
/// <param name="TimedOut">It was killed for outliving its timeout.</param>
/// <param name="Truncated">Output past the bound was dropped.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut = false, bool Truncated = false)
{
    /// <summary>Exited with 0 in time.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>A successful run that printed <paramref name="stdout"/>.</summary>
    public static CommandResult Ok(string stdout = "") => new(0, stdout, string.Empty);

    /// <summary>A failed run.</summary>
    public static CommandResult Fail(int exitCode, string stderr = "", string stdout = "") => new(exitCode, stdout, stderr);
}
