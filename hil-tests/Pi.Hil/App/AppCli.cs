using System.Text.Json;
using Pi.Hil.Processes;

namespace Pi.Hil;

/// <summary>What one run of the APP printed and how it exited.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last line of stdout as JSON (the commands' <c>--json</c> output).</summary>
    public JsonElement Json
    {
        get
        {
            var line = Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
                ?? throw new InvalidOperationException($"no JSON on stdout (exit {ExitCode}); stderr: {Stderr}");
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>One APP user: their own config directory (session file), email and password.</summary>
public sealed record AppUser(string Email, string Password, string ConfigDirectory);

/// <summary>
/// The APP as a user runs it: the built <c>pi-app</c> (Pi.App.dll) as its own process, in the
/// APP's network namespace when the rig has one. Every run is logged.
/// </summary>
public sealed class AppCli
{
    private readonly string _dll;
    private readonly RigLog _log;
    private readonly string? _netns;
    private readonly string _root;
    private int _runs;

    /// <summary>Runs <paramref name="dll"/>; users' config directories go under <paramref name="root"/>.</summary>
    public AppCli(string dll, RigLog log, string? netns, string root)
    {
        _dll = dll;
        _log = log;
        _netns = netns;
        _root = root;
    }

    /// <summary>A new user (not signed up yet) with a config directory of their own.</summary>
    public AppUser NewUser(string name)
    {
        var dir = Path.Combine(_root, "app-" + name);
        Directory.CreateDirectory(dir);
        var user = new AppUser($"{name}-{Guid.NewGuid():N}@hil.test", "hil password " + Guid.NewGuid().ToString("N")[..12], dir);
        _log.AddSecret(user.Password);
        return user;
    }

    /// <summary>Signs a new user up at <paramref name="cloud"/> (logged in afterwards).</summary>
    public async Task<AppUser> SignUpAsync(ICloudControl cloud, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        var user = NewUser(name);
        var result = await RunAsync(user, ["signup", "--cloud", cloud.Url.ToString(), "--email", user.Email, "--trust", cloud.Fingerprint], user.Password + "\n", cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 ? user : throw new InvalidOperationException($"signup failed: {result}");
    }

    /// <summary>Runs <c>pi-app &lt;arguments&gt; --config-dir &lt;user's&gt;</c>, with <paramref name="stdin"/>, to its end.</summary>
    public async Task<CliResult> RunAsync(AppUser? user, IReadOnlyList<string> arguments, string? stdin = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var name = $"app#{Interlocked.Increment(ref _runs)}";
        var args = user is null ? arguments : [.. arguments, "--config-dir", user.ConfigDirectory];
        _log.Write(name, "pi-app " + string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a)));
        await using var process = RigProcess.StartDotnet(name, _dll, args, _log, _netns, _root, stdin: stdin ?? "");
        var limit = timeout ?? TimeSpan.FromSeconds(90);
        try
        {
            var code = await process.Exited.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
            await process.Drained.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            var lines = process.Lines;
            return new CliResult(code, string.Join('\n', lines.Where(l => !l.StartsWith("! ", StringComparison.Ordinal))), string.Join('\n', lines.Where(l => l.StartsWith("! ", StringComparison.Ordinal)).Select(l => l[2..])));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"pi-app {string.Join(' ', arguments)} did not end within {limit.TotalSeconds:0} s");
        }
    }
}
