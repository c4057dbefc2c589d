using System.Diagnostics;

namespace Pi.App.Demo;

/// <summary>One run of an app command: what was typed (as shown), its exit code and output.</summary>
internal sealed record DemoAppRun(string Shown, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

/// <summary>
/// The user at the keyboard: runs the app's own commands in-process through
/// <see cref="Cli.RunAsync"/>, each with its own output writers, standard input (a password) and the
/// demo's config directory, exactly as <c>pi-app &lt;command&gt; ... --config-dir DIR</c> would.
/// A command that exits non-zero fails the demo's step with the command's exit code.
/// </summary>
internal sealed class DemoApp
{
    private readonly CliContext _io;
    private readonly bool _showSecrets;

    public DemoApp(string configDirectory, CliContext io, bool showSecrets)
    {
        ConfigDirectory = configDirectory;
        _io = io;
        _showSecrets = showSecrets;
    }

    public string ConfigDirectory { get; }

    /// <summary>Raised with the command line (secrets redacted unless --show-secrets) before it runs.</summary>
    public event Action<string>? Typing;

    /// <summary>Raised with a finished command's output lines (redacted likewise).</summary>
    public event Action<DemoAppRun>? Ran;

    /// <summary>Shows text as the demo prints it: secrets as <c>***</c> unless --show-secrets.</summary>
    public string Show(string text) => _showSecrets ? text : _io.Redact(text);

    /// <summary>Runs <c>pi-app args... --config-dir DIR</c>; throws <see cref="DemoStepException"/> on a non-zero exit.</summary>
    public async Task<DemoAppRun> RunAsync(string step, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken, bool echo = true)
    {
        var shown = Show("pi-app " + string.Join(' ', args.Select(Quote)) + (stdin is null ? "" : " < (" + (args.Contains("--password-stdin") || args[0] is "signup" or "login" ? "password" : "input") + ")"));
        Typing?.Invoke(shown);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var input = new StringReader(stdin ?? "");
        var started = Stopwatch.GetTimestamp();
        var exit = await Cli.RunAsync([.. args, "--config-dir", ConfigDirectory], stdout, stderr, input, cancellationToken).ConfigureAwait(false);
        var run = new DemoAppRun(shown, exit, Show(stdout.ToString()), Show(stderr.ToString()), Stopwatch.GetElapsedTime(started));
        if (echo || exit != Cli.Success)
        {
            Ran?.Invoke(run);
        }
        if (exit != Cli.Success)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lastError = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal));
            var reason = lastError ?? (run.Stderr.Trim() is { Length: > 0 } text ? text : "no message");
            throw new DemoStepException(step, $"`pi-app {args[0]}` exited {exit}: {reason}", exit);
        }
        return run;
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '@' or '=' or ',')
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
