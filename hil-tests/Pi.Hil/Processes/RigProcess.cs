using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Pi.Hil.Processes;

/// <summary>
/// One process the rig started (a built .NET program with <c>dotnet</c>, or a tool such as dnsmasq),
/// optionally inside a network namespace (<c>ip netns exec</c>, which execs, so the PID is the
/// program's). Its output goes line by line to the <see cref="RigLog"/>; a caller can await a line.
/// It is only ever stopped by its own PID: SIGTERM then SIGKILL, or SIGKILL at once (power cut).
/// </summary>
public sealed class RigProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly RigLog _log;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdout;
    private readonly Task _stderr;

    private readonly Action<string>? _onLine;

    private RigProcess(string name, Process process, RigLog log, Action<string>? onLine)
    {
        _onLine = onLine;
        Name = name;
        _process = process;
        _log = log;
        Pid = process.Id;
        _stdout = PumpAsync(process.StandardOutput, "");
        _stderr = PumpAsync(process.StandardError, "! ");
        _ = WaitExitAsync();
    }

    /// <summary>The name used in the log.</summary>
    public string Name { get; }

    /// <summary>The process id (of the program itself, also when run in a namespace).</summary>
    public int Pid { get; }

    /// <summary>Completes with the exit code when the process has ended.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Completes when both output pipes have ended (every line is in <see cref="Lines"/>).</summary>
    public Task Drained => Task.WhenAll(_stdout, _stderr);

    /// <summary>Whether it still runs.</summary>
    public bool IsRunning => !_exited.Task.IsCompleted;

    /// <summary>The lines it wrote so far (stdout and stderr, stderr prefixed by "! ").</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Standard output lines only.</summary>
    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines.Where(l => !l.StartsWith("! ", StringComparison.Ordinal)));
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>, in <paramref name="netns"/> when given.</summary>
    public static RigProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        RigLog log,
        string? netns = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? stdin = null,
        Action<string>? onLine = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        var start = new ProcessStartInfo(netns is null ? fileName : Tools.Ip)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (netns is not null)
        {
            start.ArgumentList.Add("netns");
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(netns);
            start.ArgumentList.Add(fileName);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var rig = new RigProcess(name, process, log, onLine);
        log.Write(name, $"started, pid {rig.Pid}{(netns is null ? "" : " in netns " + netns)}");
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }
        process.StandardInput.Close();
        return rig;
    }

    /// <summary>Starts a built .NET program (<c>dotnet &lt;dll&gt; ...</c>).</summary>
    public static RigProcess StartDotnet(string name, string dll, IEnumerable<string> arguments, RigLog log, string? netns = null, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, string? stdin = null, Action<string>? onLine = null) =>
        Start(name, Tools.Dotnet, [dll, .. arguments], log, netns, workingDirectory, environment, stdin, onLine);

    /// <summary>Waits for an output line matching <paramref name="pattern"/> (already written or still to come).</summary>
    public Task<string> WaitForLineAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForLineAsync(pattern.IsMatch, $"a line matching /{pattern}/", timeout, cancellationToken);

    /// <summary>Waits for an output line for which <paramref name="match"/> holds.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = _lines.FirstOrDefault(match);
            if (seen is not null)
            {
                return seen;
            }
            _waiters.Add((match, done));
        }
        try
        {
            var winner = await Task.WhenAny(done.Task, _exited.Task, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
            if (winner == done.Task)
            {
                return await done.Task.ConfigureAwait(false);
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (winner == _exited.Task)
            {
                // The last lines may still be in the pipe when the exit is seen.
                await Task.WhenAll(_stdout, _stderr).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                lock (_gate)
                {
                    var last = _lines.FirstOrDefault(match);
                    if (last is not null)
                    {
                        return last;
                    }
                }
                throw new InvalidOperationException($"{Name} exited with {_exited.Task.Result} before writing {what}");
            }
            throw new TimeoutException($"{Name} did not write {what} within {timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Done == done);
            }
        }
    }

    /// <summary>Counts the lines matching <paramref name="pattern"/> so far.</summary>
    public int Count(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        lock (_gate)
        {
            return _lines.Count(pattern.IsMatch);
        }
    }

    /// <summary>SIGKILL by PID, then waits for the exit (a power cut).</summary>
    public async Task KillAsync()
    {
        if (IsRunning)
        {
            _log.Write(Name, $"SIGKILL {Pid}");
            _ = Native.Kill(Pid, Native.SigKill);
        }
        await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await Task.WhenAll(_stdout, _stderr).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    /// <summary>SIGTERM by PID; SIGKILL when it has not ended after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (IsRunning)
        {
            _log.Write(Name, $"SIGTERM {Pid}");
            _ = Native.Kill(Pid, Native.SigTerm);
            if (await Task.WhenAny(_exited.Task, Task.Delay(grace)).ConfigureAwait(false) != _exited.Task)
            {
                _log.Write(Name, $"still running after {grace.TotalSeconds:0.#} s");
            }
        }
        await KillAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.Write(Name, "did not end after SIGKILL");
        }
        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader, string prefix)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            var text = prefix + line;
            _log.Write(Name, text);
            List<TaskCompletionSource<string>> done = [];
            lock (_gate)
            {
                _lines.Add(text);
                foreach (var waiter in _waiters.Where(w => w.Match(text)).ToList())
                {
                    done.Add(waiter.Done);
                    _waiters.Remove(waiter);
                }
            }
            foreach (var d in done)
            {
                d.TrySetResult(text);
            }
            _onLine?.Invoke(text);
        }
    }

    private async Task WaitExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _log.Write(Name, $"exited with {_process.ExitCode}");
        _exited.TrySetResult(_process.ExitCode);
    }
}
