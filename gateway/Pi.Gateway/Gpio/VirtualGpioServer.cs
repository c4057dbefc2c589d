using System.Net.Sockets;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Gpio;

/// <summary>
/// Serves a <see cref="VirtualGpioDriver"/>'s wires to rigs on a Unix domain socket, speaking the
/// line protocol of <see cref="VirtualGpioProtocol"/>. Whatever a client sends, the gateway only
/// sees pin edges: bad lines are answered <c>ERR ...</c>, an over-long line or a client that does
/// not read its events closes that connection, and nothing a client does throws into the gateway.
/// </summary>
internal sealed partial class VirtualGpioServer : IDisposable
{
    /// <summary>Lines queued for a client before it counts as not reading (and is dropped).</summary>
    private const int OutboxCapacity = 1024;

    private static readonly TimeSpan FlushOnClose = TimeSpan.FromSeconds(2);

    private readonly VirtualGpioDriver _driver;
    private readonly Socket _listener;
    private readonly ILogger _logger;
    private readonly int _maxConnections;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Connection> _connections = [];
    private bool _disposed;

    private VirtualGpioServer(VirtualGpioDriver driver, Socket listener, string path, int maxConnections, ILogger logger)
    {
        _driver = driver;
        _listener = listener;
        Path = path;
        _maxConnections = maxConnections;
        _logger = logger;
    }

    /// <summary>The socket's full path.</summary>
    public string Path { get; }

    /// <summary>Binds the socket (replacing a stale one), sets its mode, listens and starts accepting.</summary>
    /// <exception cref="GpioUnavailableException">The path cannot be used.</exception>
    [UnsupportedOSPlatform("windows")]
    public static VirtualGpioServer Start(VirtualGpioDriver driver, string path, VirtualGpioDriverOptions options, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnections, 1);
        string fullPath;
        try
        {
            fullPath = System.IO.Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new GpioUnavailableException($"Gpio:VirtualSocketPath '{path}' is not a valid path.", ex);
        }

        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite
            | (options.SocketGroupAccess ? UnixFileMode.GroupRead | UnixFileMode.GroupWrite : UnixFileMode.None);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var bound = false;
        try
        {
            var directory = System.IO.Path.GetDirectoryName(fullPath);
            if (directory is not null && !Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | (options.SocketGroupAccess ? UnixFileMode.GroupRead | UnixFileMode.GroupExecute : UnixFileMode.None));
            }

            RemoveStaleSocket(fullPath);
            listener.Bind(new UnixDomainSocketEndPoint(fullPath));
            bound = true;
            // Before Listen: until then every connect is refused, so no client ever meets a wider mode.
            File.SetUnixFileMode(fullPath, mode);
            listener.Listen(16);
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            listener.Dispose();
            if (bound)
            {
                TryDelete(fullPath);
            }

            throw ex as GpioUnavailableException
                ?? new GpioUnavailableException($"The virtual GPIO socket {fullPath} (Gpio:VirtualSocketPath) cannot be used: {ex.Message}", ex);
        }
        catch (GpioUnavailableException)
        {
            listener.Dispose();
            throw;
        }

        var server = new VirtualGpioServer(driver, listener, fullPath, options.MaxConnections, logger);
        _ = Task.Run(server.AcceptLoopAsync);
        LogListening(logger, fullPath, options.SocketGroupAccess ? "0660" : "0600");
        return server;
    }

    public void Dispose()
    {
        Connection[] open;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            open = [.. _connections];
        }

        _stop.Cancel();
        _listener.Dispose();
        foreach (var connection in open)
        {
            connection.Abort();
        }

        TryDelete(Path);
        _stop.Dispose();
    }

    private static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // Nothing listens. A socket file has no size; anything else is not ours to delete.
            if (new FileInfo(path).Length != 0)
            {
                throw new GpioUnavailableException($"{path} (Gpio:VirtualSocketPath) exists and is not a socket.");
            }

            File.Delete(path);
            return;
        }

        throw new GpioUnavailableException($"Another process already serves {path} (Gpio:VirtualSocketPath).");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind: the next start replaces a stale socket.
        }
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(_logger, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            var connection = new Connection(this, client);
            bool accepted;
            lock (_lock)
            {
                accepted = !_disposed && _connections.Count < _maxConnections;
                if (accepted)
                {
                    _connections.Add(connection);
                }
            }

            if (!accepted)
            {
                LogRefused(_logger, _maxConnections);
                connection.Refuse();
                continue;
            }

            _ = Task.Run(async () =>
            {
                await connection.RunAsync(token).ConfigureAwait(false);
                lock (_lock)
                {
                    _connections.Remove(connection);
                }
            });
        }
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Virtual GPIO: rigs connect to {Path} (mode {Mode})")]
    private static partial void LogListening(ILogger logger, string path, string mode);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Virtual GPIO: accepting a rig connection failed")]
    private static partial void LogAcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Virtual GPIO: refused a rig connection ({MaxConnections} already open)")]
    private static partial void LogRefused(ILogger logger, int maxConnections);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Debug, Message = "Virtual GPIO: rig connected")]
    private static partial void LogConnected(ILogger logger);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Debug, Message = "Virtual GPIO: rig disconnected")]
    private static partial void LogDisconnected(ILogger logger);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Warning, Message = "Virtual GPIO: dropped a rig connection: {Reason}")]
    private static partial void LogDropped(ILogger logger, string reason);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Warning, Message = "Virtual GPIO: a rig connection failed")]
    private static partial void LogConnectionFailed(ILogger logger, Exception exception);
}
