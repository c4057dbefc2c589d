using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pi.BridgeBench.Targets;

/// <summary>
/// One mosquitto process started from its path with a generated configuration: ready when it logged
/// "running" and accepts a TCP connection; stopped by PID (the <see cref="Process"/> object of the
/// process this class started, never a name). Every instance is registered with
/// <see cref="ChildProcesses"/>, which kills it if the harness exits without stopping it.
/// </summary>
internal sealed class MosquittoProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly string[] ProgramDirectories = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];
    private const int LogLines = 200;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log;

    private MosquittoProcess(string name, int port, Process process, ConcurrentQueue<string> log)
    {
        Name = name;
        Port = port;
        _process = process;
        _log = log;
    }

    public string Name { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines it logged (for failure messages).</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>The mosquitto executable, or an exception saying how to install it.</summary>
    public static string FindExecutable(string? explicitPath = null)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath)
                ? explicitPath
                : throw new InvalidOperationException($"mosquitto was not found at {explicitPath}.");
        }
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) ?? [];
        foreach (var directory in ProgramDirectories.Concat(path))
        {
            var candidate = Path.Combine(directory, "mosquitto");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"mosquitto is not installed (looked in {string.Join(", ", ProgramDirectories)} and PATH). The bridge baseline runs two "
            + "Mosquitto 2 brokers from Debian's package: run `bash .ci/run` (installs it) or `sudo apt-get install mosquitto` "
            + "(it need not run as a service; the harness starts its own).");
    }

    /// <summary>A loopback port that was free a moment ago (mosquitto may still lose it: see <see cref="StartAsync"/>).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Starts mosquitto with <paramref name="configPath"/> and waits until it is running and accepts a
    /// connection on <paramref name="port"/>. Null when the port was taken meanwhile (write a new
    /// configuration with another port and try again); an exception for any other failure.
    /// </summary>
    public static async Task<MosquittoProcess?> StartAsync(string executable, string name, string configPath, int port, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(configPath);
        var process = new Process { StartInfo = start };
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new ConcurrentQueue<string>();
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            log.Enqueue(e.Data);
            while (log.Count > LogLines && log.TryDequeue(out string? _))
            {
            }
            if (e.Data.EndsWith(" running", StringComparison.Ordinal))
            {
                running.TrySetResult();
            }
        };
        process.ErrorDataReceived += onLine;
        process.OutputDataReceived += onLine;
        process.Start();
        var instance = new MosquittoProcess(name, port, process, log);
        ChildProcesses.Register(process);
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            var exited = process.WaitForExitAsync(timeout.Token);
            var first = await Task.WhenAny(running.Task, exited).ConfigureAwait(false);
            if (first != running.Task)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var exitedEarly = process.HasExited;
                await instance.DisposeAsync().ConfigureAwait(false);
                var text = instance.Log;
                if (text.Contains("Address already in use", StringComparison.Ordinal))
                {
                    return null;
                }
                throw new InvalidOperationException(
                    exitedEarly
                        ? $"mosquitto ({name}) exited at start:\n{text}"
                        : $"mosquitto ({name}) did not log 'running' within {StartTimeout.TotalSeconds} s:\n{text}");
            }
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the process (by its PID) and waits until it is gone.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
            using var timeout = new CancellationTokenSource(StartTimeout);
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        ChildProcesses.Unregister(_process);
        _process.Dispose();
    }
}

/// <summary>
/// Last line of defence: processes the harness started and has not stopped yet are killed (by PID)
/// and temporary directories deleted when the harness process exits (Ctrl+C twice, SIGTERM, an
/// unhandled exception). The normal path stops them itself.
/// </summary>
internal static class ChildProcesses
{
    private static readonly ConcurrentDictionary<Process, byte> Running = new();
    private static readonly ConcurrentDictionary<string, byte> Directories = new();

    static ChildProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => CleanUp();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => CleanUp();
    }

    public static void Register(Process process) => Running.TryAdd(process, 0);

    public static void Unregister(Process process) => Running.TryRemove(process, out _);

    public static void RegisterDirectory(string path) => Directories.TryAdd(path, 0);

    public static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        Directories.TryRemove(path, out _);
    }

    private static void CleanUp()
    {
        foreach (var process in Running.Keys)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
#pragma warning disable CA1031 // the process is exiting: try every child, whatever one of them throws
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
        foreach (var path in Directories.Keys)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
