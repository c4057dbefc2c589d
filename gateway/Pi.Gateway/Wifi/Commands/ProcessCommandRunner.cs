using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pi.Gateway.Wifi.Commands;

/// <summary>Runs programs with <see cref="Process"/>: no shell, bounded output, killed by PID on timeout or cancel.</summary>
public sealed partial class ProcessCommandRunner : ICommandRunner
{
    /// <summary>Most characters kept from each of stdout and stderr (the rest is read and dropped).</summary>
    public const int MaxOutputChars = 4 * 1024 * 1024;

    private static readonly string[] SystemDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>How long output is still read after the program exits (a daemon it forked may hold the pipes).</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    private readonly ILogger<ProcessCommandRunner> _logger;
    private readonly TimeProvider _time;

    public ProcessCommandRunner(ILogger<ProcessCommandRunner>? logger = null, TimeProvider? timeProvider = null)
    {
        _logger = logger ?? NullLogger<ProcessCommandRunner>.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The full path of <paramref name="program"/>: itself when it has a '/', else the first match on PATH or in the system directories.</summary>
    public static string? Resolve(string program)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? program : null;
        }
        var path = System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(SystemDirectories))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <inheritdoc />
    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        cancellationToken.ThrowIfCancellationRequested();
        var path = Resolve(command.Program) ?? throw new WifiException($"{command.Program} is not installed (not found on PATH, /usr/sbin or /sbin)");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (command.Environment is not null)
        {
            foreach (var (name, value) in command.Environment)
            {
                start.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new WifiException($"{command.Program} could not be started", e);
        }
        var pid = process.Id;
        LogStarted(command.Program, pid);

        var stdout = new BoundedOutput(process.StandardOutput);
        var stderr = new BoundedOutput(process.StandardError);
        try
        {
            if (command.StandardInput is not null)
            {
                await process.StandardInput.WriteAsync(command.StandardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading its input; its exit code tells.
        }

        using var deadline = new CancellationTokenSource(command.Timeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process, pid, command.Program);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            timedOut = true;
            LogTimedOut(command.Program, pid, command.Timeout.TotalMilliseconds);
        }
        // A daemon the program forked may keep the pipes open: read for a moment more, then stop.
        var drained = Task.WhenAll(stdout.Completion, stderr.Completion);
        await Task.WhenAny(drained, Task.Delay(DrainGrace, _time, CancellationToken.None)).ConfigureAwait(false);
        var exitCode = timedOut ? -1 : process.ExitCode;
        LogExited(command.Program, pid, exitCode);
        return new CommandResult(exitCode, stdout.Text, stderr.Text, timedOut, stdout.Truncated || stderr.Truncated);
    }

    private void Kill(Process process, int pid, string program)
    {
        try
        {
            // By PID: the process we started and the children it forked.
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (Win32Exception e)
        {
            LogKillFailed(e, program, pid);
        }
    }

    /// <summary>Reads a pipe to its end, keeping at most <see cref="MaxOutputChars"/> characters.</summary>
    private sealed class BoundedOutput
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();
        private bool _truncated;

        public BoundedOutput(StreamReader reader)
        {
            Completion = ReadAsync(reader);
        }

        public Task Completion { get; }

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return _text.ToString();
                }
            }
        }

        public bool Truncated
        {
            get
            {
                lock (_lock)
                {
                    return _truncated;
                }
            }
        }

        private async Task ReadAsync(StreamReader reader)
        {
            var buffer = new char[16 * 1024];
            try
            {
                int read;
                while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
                {
                    lock (_lock)
                    {
                        var room = MaxOutputChars - _text.Length;
                        _truncated |= read > room;
                        if (room > 0)
                        {
                            _text.Append(buffer, 0, Math.Min(read, room));
                        }
                    }
                }
            }
            catch (IOException)
            {
                // The pipe broke: keep what arrived.
            }
            catch (ObjectDisposedException)
            {
                // The process was disposed while a daemon held the pipe: keep what arrived.
            }
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Started {Program} (pid {Pid})")]
    private partial void LogStarted(string program, int pid);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "{Program} (pid {Pid}) exited with {ExitCode}")]
    private partial void LogExited(string program, int pid, int exitCode);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "{Program} (pid {Pid}) outlived its {TimeoutMs} ms and was killed")]
    private partial void LogTimedOut(string program, int pid, double timeoutMs);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Could not kill {Program} (pid {Pid})")]
    private partial void LogKillFailed(Exception exception, string program, int pid);
}
