using System.Device.Gpio;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using System.Threading.Channels;
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

    /// <summary>One rig: a read loop that handles a line at a time and a write loop draining a bounded outbox.</summary>
    private sealed class Connection(VirtualGpioServer server, Socket socket) : IDisposable
    {
        private readonly Channel<string> _outbox = Channel.CreateBounded<string>(
            new BoundedChannelOptions(OutboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        private readonly CancellationTokenSource _abort = new();
        private IDisposable? _watch;

        public void Dispose()
        {
            socket.Dispose();
            _abort.Dispose();
        }

        public void Refuse()
        {
            try
            {
                socket.Send(Encoding.ASCII.GetBytes(VirtualGpioProtocol.Error(VirtualGpioProtocol.ErrBusy, "too many rig connections") + "\n"), SocketFlags.None);
            }
            catch (SocketException)
            {
                // The client is gone or not reading; closing is all that is left.
            }

            Dispose();
        }

        public void Abort()
        {
            try
            {
                _abort.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already finished.
            }
        }

        public async Task RunAsync(CancellationToken serverStop)
        {
            LogConnected(server._logger);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(serverStop, _abort.Token);
            var token = linked.Token;
            var writer = WriteLoopAsync(token);
            try
            {
                await ReadLoopAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                // Closed by the client, by the gateway stopping, or for breaking the protocol.
            }
#pragma warning disable CA1031 // A rig's session must never take the gateway down; the failure is logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogConnectionFailed(server._logger, ex);
            }
            finally
            {
                _watch?.Dispose();
                _outbox.Writer.TryComplete();
                // Let the last reply (QUIT's OK, an ERR) reach the client, but never wait on one that does not read.
                await Task.WhenAny(writer, Task.Delay(FlushOnClose, CancellationToken.None)).ConfigureAwait(false);
                Abort();
                await writer.ConfigureAwait(false);
                CloseGracefully();
                LogDisconnected(server._logger);
            }
        }

        /// <summary>
        /// Closing a Unix socket with unread input resets the peer, which may then lose the reply it
        /// was sent (an <c>ERR line-too-long</c>). So: end our side, discard a bounded amount of
        /// what is already queued, then close.
        /// </summary>
        private void CloseGracefully()
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
                var sink = new byte[4096];
                for (var drained = 0; drained < 256 * 1024 && socket.Available > 0;)
                {
                    drained += socket.Receive(sink, SocketFlags.None);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }

            Dispose();
        }

        private async Task ReadLoopAsync(CancellationToken token)
        {
            // A line, its optional CR and its LF must fit; anything longer is refused.
            var buffer = new byte[VirtualGpioProtocol.MaxLineLength + 2];
            var filled = 0;
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                var start = 0;
                int newline;
                while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
                {
                    var length = newline - start;
                    if (length > 0 && buffer[newline - 1] == (byte)'\r')
                    {
                        length--;
                    }

                    if (length > VirtualGpioProtocol.MaxLineLength)
                    {
                        TooLong();
                        return;
                    }

                    // Latin-1 maps every byte to one char, so the parser sees (and refuses) any non-ASCII byte.
                    var line = Encoding.Latin1.GetString(buffer, start, length);
                    start = newline + 1;
                    if (line.Length > 0 && !await HandleAsync(line, token).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                filled -= start;
                Buffer.BlockCopy(buffer, start, buffer, 0, filled);
                if (filled == buffer.Length)
                {
                    TooLong();
                    return;
                }
            }
        }

        private void TooLong()
        {
            Send(VirtualGpioProtocol.Error(VirtualGpioProtocol.ErrLineTooLong, $"lines are at most {VirtualGpioProtocol.MaxLineLength} bytes"));
            LogDropped(server._logger, "line too long");
        }

        /// <returns>False when the connection should close.</returns>
        private async Task<bool> HandleAsync(string line, CancellationToken token)
        {
            var driver = server._driver;
            if (!VirtualGpioProtocol.TryParse(line, driver.WirePinCount, out var command, out var error))
            {
                Send(error);
                return true;
            }

            switch (command.Kind)
            {
                case RigCommandKind.Ping:
                    Send("PONG");
                    return true;
                case RigCommandKind.Get:
                    var state = driver.GetPin(command.Pin);
                    Send($"VAL {command.Pin} {VirtualGpioProtocol.Level(state.Level)} {VirtualGpioProtocol.UnixMs(driver.TimeProvider.GetUtcNow())}");
                    return true;
                case RigCommandKind.Mode:
                    Send($"MODE {command.Pin} {VirtualGpioProtocol.ModeName(driver.GetPin(command.Pin).Mode)}");
                    return true;
                case RigCommandKind.Set:
                case RigCommandKind.Release:
                    PinValue? level = command.Kind == RigCommandKind.Set ? command.Level : null;
                    if (driver.TryDrive(command.Pin, level, out var at, out var delivered) == VirtualWireError.NotInput)
                    {
                        Send(VirtualGpioProtocol.Error(VirtualGpioProtocol.ErrNotInput, $"pin {command.Pin} is an output of the gateway"));
                        return true;
                    }

                    // Answer once the gateway's callbacks saw the edge: a rig's next step never races it.
                    await delivered.WaitAsync(token).ConfigureAwait(false);
                    Send($"OK {VirtualGpioProtocol.UnixMs(at)}");
                    return true;
                case RigCommandKind.Watch:
                    if (_watch is not null)
                    {
                        Send(VirtualGpioProtocol.Error(VirtualGpioProtocol.ErrAlreadyWatching, "WATCH is already on"));
                        return true;
                    }

                    _watch = driver.Watch(OnChange, (pins, now) =>
                    {
                        foreach (var pin in pins)
                        {
                            Send($"STATE {pin.Pin} {VirtualGpioProtocol.ModeName(pin.Mode)} {VirtualGpioProtocol.Level(pin.Level)}");
                        }

                        Send($"OK {VirtualGpioProtocol.UnixMs(now)}");
                    });
                    return true;
                default:
                    Send("OK");
                    return false;
            }
        }

        private void OnChange(VirtualPinChange change) =>
            Send($"EVT {change.Pin} {VirtualGpioProtocol.Level(change.Level)} {VirtualGpioProtocol.UnixMs(change.At)}");

        /// <summary>Queues a line; never blocks (it runs under the driver's lock for events).</summary>
        private void Send(string line)
        {
            if (!_outbox.Writer.TryWrite(line) && !_abort.IsCancellationRequested)
            {
                LogDropped(server._logger, "it does not read its events");
                // Not cancelled inline: cancellation callbacks must not run under the driver's lock.
                ThreadPool.QueueUserWorkItem(static c => c.Abort(), this, preferLocal: false);
            }
        }

        private async Task WriteLoopAsync(CancellationToken token)
        {
            try
            {
                await foreach (var line in _outbox.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    var bytes = Encoding.ASCII.GetBytes(line + "\n");
                    await socket.SendAsync(bytes, SocketFlags.None, token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The connection is closing.
            }
        }
    }
}
