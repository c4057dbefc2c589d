using System.Device.Gpio;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Pi.Gateway.Gpio;

/// <summary>
/// The rig's end of a <see cref="VirtualGpioDriver"/>'s wires, over its Unix socket: what a test
/// rig does with jumper wires to a real Pi. It presses and releases buttons (drives an input pin to
/// <see cref="PressedLevel"/>, then lets it float back to its pull), reads levels, and after
/// <see cref="WatchAsync"/> records every level change (LEDs) with the gateway's timestamps.
/// </summary>
public sealed class VirtualGpioRig : IAsyncDisposable
{
    /// <summary>Recorded changes kept; older ones are dropped first.</summary>
    public const int TimelineCapacity = 65_536;

    private readonly Socket _socket;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _pending = new();
    private readonly Queue<VirtualPinChange> _timeline = new();
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly List<(int Pin, PinValue? Level, TaskCompletionSource<VirtualPinChange> Waiter)> _waiters = [];
    private readonly Task _readLoop;
    private Exception? _closed;
    private bool _watching;

    private VirtualGpioRig(Socket socket, PinValue pressedLevel, TimeProvider timeProvider)
    {
        _socket = socket;
        PressedLevel = pressedLevel;
        _timeProvider = timeProvider;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>The level that presses a button: low for one wired to ground with a pull-up (the gateway's default).</summary>
    public PinValue PressedLevel { get; }

    /// <summary>Every level change seen since <see cref="WatchAsync"/>, oldest first.</summary>
    public IReadOnlyList<VirtualPinChange> Timeline
    {
        get
        {
            lock (_lock)
            {
                return [.. _timeline];
            }
        }
    }

    /// <summary>Connects to a virtual chip's socket.</summary>
    public static Task<VirtualGpioRig> ConnectAsync(string socketPath, CancellationToken cancellationToken) =>
        ConnectAsync(socketPath, PinValue.Low, TimeProvider.System, cancellationToken);

    /// <summary>Connects to a virtual chip's socket, with the level that presses a button and the clock that times presses.</summary>
    public static async Task<VirtualGpioRig> ConnectAsync(string socketPath, PinValue pressedLevel, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new VirtualGpioRig(socket, pressedLevel, timeProvider);
    }

    /// <summary>Round trip: every earlier request has been handled when this completes.</summary>
    public async Task PingAsync(CancellationToken cancellationToken) => await RequestAsync("PING", cancellationToken).ConfigureAwait(false);

    /// <summary>Drives an input pin's wire to a level. Completes once the gateway's callbacks saw the edge; returns when the level changed.</summary>
    public async Task<DateTimeOffset> SetLevelAsync(int pin, PinValue level, CancellationToken cancellationToken) =>
        ParseOk(await RequestAsync(string.Create(CultureInfo.InvariantCulture, $"SET {pin} {VirtualGpioProtocol.Level(level)}"), cancellationToken).ConfigureAwait(false));

    /// <summary>Stops driving a pin: the wire goes back to its pull (or keeps its level without one).</summary>
    public async Task<DateTimeOffset> FloatAsync(int pin, CancellationToken cancellationToken) =>
        ParseOk(await RequestAsync(string.Create(CultureInfo.InvariantCulture, $"RELEASE {pin}"), cancellationToken).ConfigureAwait(false));

    /// <summary>Presses a button: drives its pin to <see cref="PressedLevel"/>.</summary>
    public Task<DateTimeOffset> PressAsync(int pin, CancellationToken cancellationToken) => SetLevelAsync(pin, PressedLevel, cancellationToken);

    /// <summary>Lets a button go: the pin floats back to its pull.</summary>
    public Task<DateTimeOffset> ReleaseAsync(int pin, CancellationToken cancellationToken) => FloatAsync(pin, cancellationToken);

    /// <summary>Presses a button for <paramref name="duration"/> (timed by this rig's clock), then lets it go.</summary>
    public async Task<RigPress> PressForAsync(int pin, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        DateTimeOffset pressedAt;
        try
        {
            pressedAt = await PressAsync(pin, cancellationToken).ConfigureAwait(false);
            await Task.Delay(duration, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A cancelled press still lets go: a rig never leaves a button held down.
            await ReleaseAsync(pin, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var releasedAt = await ReleaseAsync(pin, cancellationToken).ConfigureAwait(false);
        return new RigPress(pin, pressedAt, releasedAt);
    }

    /// <summary>The level on a pin's wire now (an LED output, a button input).</summary>
    public async Task<PinValue> ReadLevelAsync(int pin, CancellationToken cancellationToken)
    {
        var reply = await RequestAsync(string.Create(CultureInfo.InvariantCulture, $"GET {pin}"), cancellationToken).ConfigureAwait(false);
        var parts = reply.Line.Split(' ');
        return parts is ["VAL", _, var level, _] ? ParseLevel(level) : throw Unexpected(reply.Line);
    }

    /// <summary>How the gateway has configured a pin.</summary>
    public async Task<VirtualPinMode> ReadModeAsync(int pin, CancellationToken cancellationToken)
    {
        var reply = await RequestAsync(string.Create(CultureInfo.InvariantCulture, $"MODE {pin}"), cancellationToken).ConfigureAwait(false);
        var parts = reply.Line.Split(' ');
        return parts is ["MODE", _, var name] && VirtualGpioProtocol.TryParseMode(name, out var mode) ? mode : throw Unexpected(reply.Line);
    }

    /// <summary>Starts recording level changes into <see cref="Timeline"/>; returns the pins the gateway has open, as they are now.</summary>
    public async Task<IReadOnlyList<VirtualPinState>> WatchAsync(CancellationToken cancellationToken)
    {
        var reply = await RequestAsync("WATCH", cancellationToken).ConfigureAwait(false);
        ParseOk(reply);
        var pins = new List<VirtualPinState>();
        foreach (var line in reply.Preamble)
        {
            var parts = line.Split(' ');
            if (parts is not ["STATE", var pin, var modeName, var level] || !VirtualGpioProtocol.TryParseMode(modeName, out var mode))
            {
                throw Unexpected(line);
            }

            pins.Add(new VirtualPinState(int.Parse(pin, CultureInfo.InvariantCulture), mode, ParseLevel(level)));
        }

        return pins;
    }

    /// <summary>The recorded changes of one pin.</summary>
    public IReadOnlyList<VirtualPinChange> TimelineOf(int pin) => [.. Timeline.Where(c => c.Pin == pin)];

    /// <summary>
    /// Waits until a watched pin is at <paramref name="level"/>: at once when it already is (the
    /// result then carries the last change seen, or the time of the watch), else at its next change to it.
    /// </summary>
    public Task<VirtualPinChange> WaitForLevelAsync(int pin, PinValue level, CancellationToken cancellationToken) =>
        WaitAsync(pin, level, cancellationToken);

    /// <summary>Waits for the next level change of a watched pin.</summary>
    public Task<VirtualPinChange> WaitForChangeAsync(int pin, CancellationToken cancellationToken) =>
        WaitAsync(pin, null, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone.
        }

        _socket.Dispose();
        await _readLoop.ConfigureAwait(false);
        _sendGate.Dispose();
    }

    private async Task<VirtualPinChange> WaitAsync(int pin, PinValue? level, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<VirtualPinChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (!_watching)
            {
                throw new InvalidOperationException("Call WatchAsync first: levels are known from the watch.");
            }

            if (_closed is not null)
            {
                throw new VirtualGpioRigException("The virtual GPIO connection is closed.", _closed);
            }

            if (level is { } wanted && _levels.TryGetValue(pin, out var now) && now == wanted)
            {
                var last = _timeline.LastOrDefault(c => c.Pin == pin);
                return last.Pin == pin && last.Level == wanted ? last : new VirtualPinChange(pin, wanted, _timeProvider.GetUtcNow());
            }

            _waiters.Add((pin, level, waiter));
        }

        try
        {
            return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Waiter == waiter);
            }
        }
    }

    private async Task<Reply> RequestAsync(string line, CancellationToken cancellationToken)
    {
        var pending = new Pending();
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                if (_closed is not null)
                {
                    throw new VirtualGpioRigException("The virtual GPIO connection is closed.", _closed);
                }

                // Queued before the bytes leave, so replies pair with requests in order.
                _pending.Enqueue(pending);
                if (line == "WATCH")
                {
                    pending.IsWatch = true;
                }
            }

            await _socket.SendAsync(Encoding.ASCII.GetBytes(line + "\n"), SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw new VirtualGpioRigException("The virtual GPIO connection is closed.", ex);
        }
        finally
        {
            _sendGate.Release();
        }

        // A cancelled wait leaves the request queued: its reply still arrives and is discarded.
        var reply = await pending.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (reply.Line.StartsWith("ERR ", StringComparison.Ordinal))
        {
            var parts = reply.Line.Split(' ', 3);
            throw new VirtualGpioRigException(parts[1], parts.Length > 2 ? parts[2] : "");
        }

        return reply;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[4096];
        var line = new StringBuilder();
        Exception? failure = null;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] == (byte)'\n')
                    {
                        OnLine(line.ToString());
                        line.Clear();
                    }
                    else if (line.Length >= VirtualGpioProtocol.MaxReplyLength)
                    {
                        throw new VirtualGpioRigException("The virtual GPIO sent a line longer than the protocol allows.");
                    }
                    else
                    {
                        line.Append((char)buffer[i]);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or VirtualGpioRigException or FormatException or OverflowException)
        {
            failure = ex;
        }

        failure ??= new VirtualGpioRigException("The virtual GPIO closed the connection.");
        lock (_lock)
        {
            _closed = failure;
            while (_pending.TryDequeue(out var pending))
            {
                pending.Reply.TrySetException(new VirtualGpioRigException("The virtual GPIO connection closed before it answered.", failure));
            }

            foreach (var (_, _, waiter) in _waiters)
            {
                waiter.TrySetException(new VirtualGpioRigException("The virtual GPIO connection closed.", failure));
            }
        }
    }

    private void OnLine(string line)
    {
        var parts = line.Split(' ');
        lock (_lock)
        {
            if (parts is ["EVT", var pinText, var levelText, var msText]
                && int.TryParse(pinText, NumberStyles.None, CultureInfo.InvariantCulture, out var pin)
                && long.TryParse(msText, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                var change = new VirtualPinChange(pin, ParseLevel(levelText), DateTimeOffset.FromUnixTimeMilliseconds(ms));
                if (_timeline.Count == TimelineCapacity)
                {
                    _timeline.Dequeue();
                }

                _timeline.Enqueue(change);
                _levels[pin] = change.Level;
                foreach (var (waitPin, level, waiter) in _waiters)
                {
                    if (waitPin == pin && (level is null || level == change.Level))
                    {
                        waiter.TrySetResult(change);
                    }
                }

                return;
            }

            if (!_pending.TryPeek(out var pending))
            {
                throw new VirtualGpioRigException($"The virtual GPIO sent an unrequested line: {line}");
            }

            if (parts is ["STATE", var statePin, _, var stateLevel] && pending.IsWatch)
            {
                pending.Preamble.Add(line);
                _levels[int.Parse(statePin, CultureInfo.InvariantCulture)] = ParseLevel(stateLevel);
                return;
            }

            _pending.Dequeue();
            if (pending.IsWatch && line.StartsWith("OK", StringComparison.Ordinal))
            {
                _watching = true;
            }

            pending.Reply.TrySetResult(new Reply(line, pending.Preamble));
        }
    }

    private static DateTimeOffset ParseOk(Reply reply) =>
        reply.Line.Split(' ') is ["OK", var ms] && long.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var unixMs)
            ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
            : throw Unexpected(reply.Line);

    private static PinValue ParseLevel(string text) => text switch
    {
        "0" => PinValue.Low,
        "1" => PinValue.High,
        _ => throw Unexpected(text),
    };

    private static VirtualGpioRigException Unexpected(string line) => new($"Unexpected reply from the virtual GPIO: {line}");

    private readonly record struct Reply(string Line, IReadOnlyList<string> Preamble);

    private sealed class Pending
    {
        public TaskCompletionSource<Reply> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Preamble { get; } = [];

        public bool IsWatch { get; set; }
    }
}
