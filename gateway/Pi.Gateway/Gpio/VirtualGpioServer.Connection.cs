using System.Device.Gpio;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Pi.Gateway.Gpio;

/// <summary>One rig connection of the virtual GPIO socket.</summary>
internal sealed partial class VirtualGpioServer
{
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
