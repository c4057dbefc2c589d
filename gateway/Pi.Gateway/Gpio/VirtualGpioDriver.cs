using System.Collections.Concurrent;
using System.Device.Gpio;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pi.Gateway.Gpio;

/// <summary>Settings of a <see cref="VirtualGpioDriver"/>.</summary>
/// <param name="SocketPath">
/// The Unix domain socket a rig drives the pins through (protocol: Gpio/README.md), or null for a
/// driver reachable only in-process.
/// </param>
/// <param name="PinCount">Pins 0 to <paramref name="PinCount"/> - 1 exist (28: the Pi header's BCM 0-27).</param>
/// <param name="SocketGroupAccess">Mode 0660 instead of 0600, for a rig running as another user of the gateway's group.</param>
/// <param name="MaxConnections">Rig connections served at once; more are answered <c>ERR busy</c> and closed.</param>
public sealed record VirtualGpioDriverOptions(
    string? SocketPath = null,
    int PinCount = VirtualGpioDriver.DefaultPinCount,
    bool SocketGroupAccess = false,
    int MaxConnections = 8);

/// <summary>
/// A <see cref="GpioDriver"/> whose pins are wires in memory. The gateway uses it exactly like
/// libgpiod (modes, pulls, reads, writes, edge callbacks, <c>WaitForEvent</c>); the other end of
/// each wire belongs to a rig, in-process through <see cref="DriveAsync"/> and
/// <see cref="GetPin"/> or from another process over the Unix socket of
/// <see cref="VirtualGpioDriverOptions.SocketPath"/> (see <see cref="VirtualGpioRig"/>).
/// </summary>
/// <remarks>
/// Edge callbacks run one at a time, in edge order, on the driver's own thread, never on the
/// caller's thread and never under the driver's lock (like libgpiod's event thread, and like it
/// independent of the thread pool's health). A callback that throws is logged and the next one still runs.
/// </remarks>
public sealed partial class VirtualGpioDriver : GpioDriver
{
    /// <summary>BCM GPIO 0-27, the pins on the Raspberry Pi's 40-pin header.</summary>
    public const int DefaultPinCount = 28;

    /// <summary>The most pins a virtual chip may have.</summary>
    public const int MaxPinCount = 64;

    private readonly Lock _lock = new();
    private readonly VirtualPin[] _pins;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly BlockingCollection<CallbackBatch> _callbacks = [];
    private readonly List<Action<VirtualPinChange>> _watchers = [];
    private readonly VirtualGpioServer? _server;
    private bool _disposed;

    /// <summary>An in-process virtual chip of <see cref="DefaultPinCount"/> pins on the system clock, without a socket.</summary>
    public VirtualGpioDriver()
        : this(new VirtualGpioDriverOptions(), TimeProvider.System, NullLoggerFactory.Instance)
    {
    }

    /// <summary>Creates the chip and, when a socket path is set, starts serving rigs on it.</summary>
    /// <exception cref="GpioUnavailableException">The socket path cannot be used (in use, too long, not writable).</exception>
    public VirtualGpioDriver(VirtualGpioDriverOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PinCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.PinCount, MaxPinCount);

        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<VirtualGpioDriver>();
        _pins = new VirtualPin[options.PinCount];
        for (var i = 0; i < _pins.Length; i++)
        {
            _pins[i] = new VirtualPin();
        }

        new Thread(DispatchCallbacks) { IsBackground = true, Name = "Virtual GPIO events" }.Start();
        if (options.SocketPath is { } path)
        {
            if (OperatingSystem.IsWindows())
            {
                _callbacks.CompleteAdding();
                throw new GpioUnavailableException("The virtual GPIO socket needs a Unix-like system (Linux, macOS).");
            }

            try
            {
                _server = VirtualGpioServer.Start(this, path, options, loggerFactory.CreateLogger<VirtualGpioServer>());
            }
            catch
            {
                _callbacks.CompleteAdding();
                throw;
            }
        }
    }

    /// <summary>The socket rigs connect to, or null.</summary>
    public string? SocketPath => _server?.Path;

    /// <summary>The number of pins (the same as the driver's <c>PinCount</c>, readable by a rig).</summary>
    public int WirePinCount => _pins.Length;

    /// <summary>The time source that stamps level changes.</summary>
    internal TimeProvider TimeProvider => _timeProvider;

    /// <inheritdoc />
    protected override int PinCount => _pins.Length;

    // ---- The rig's end of the wires ----

    /// <summary>What a rig would measure on a pin: the gateway's mode and the wire's level.</summary>
    public VirtualPinState GetPin(int pin)
    {
        var p = PinAt(pin, nameof(pin));
        lock (_lock)
        {
            return new VirtualPinState(pin, p.Mode, p.Level);
        }
    }

    /// <summary>
    /// Drives a pin's wire to <paramref name="level"/> (a button pulling it low, say), or lets it
    /// float back to its pull when <paramref name="level"/> is null. Completes when the gateway's
    /// edge callbacks for this and every earlier change have run, with the time the level changed
    /// (or now, when it did not change).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No such pin.</exception>
    /// <exception cref="InvalidOperationException">The gateway drives that pin (an output).</exception>
    public async Task<DateTimeOffset> DriveAsync(int pin, PinValue? level, CancellationToken cancellationToken)
    {
        var error = TryDrive(pin, level, out var at, out var delivered);
        switch (error)
        {
            case VirtualWireError.BadPin:
                throw new ArgumentOutOfRangeException(nameof(pin), pin, $"The virtual chip has pins 0-{_pins.Length - 1}.");
            case VirtualWireError.NotInput:
                throw new InvalidOperationException($"Pin {pin} is an output of the gateway; a rig can only read it.");
        }

        await delivered.WaitAsync(cancellationToken).ConfigureAwait(false);
        return at;
    }

    /// <summary>
    /// Drives (or floats, for null) a pin's wire. <paramref name="delivered"/> completes when the
    /// gateway's callbacks for the change have run (at once when nothing changed).
    /// </summary>
    internal VirtualWireError TryDrive(int pin, PinValue? level, out DateTimeOffset at, out Task delivered)
    {
        at = default;
        delivered = Task.CompletedTask;
        if ((uint)pin >= (uint)_pins.Length)
        {
            return VirtualWireError.BadPin;
        }

        var p = _pins[pin];
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (p.Mode == VirtualPinMode.Output && level is not null)
            {
                return VirtualWireError.NotInput;
            }

            p.Driven = level;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            at = Settle(pin, p, done) ?? _timeProvider.GetUtcNow();
            delivered = done.Task;
            return VirtualWireError.None;
        }
    }

    /// <summary>
    /// Calls <paramref name="onChange"/> for every later level change of any pin. Both callbacks
    /// run under the driver's lock and must not block (the socket server only queues a line):
    /// <paramref name="onSubscribed"/> gets the open pins at the moment of subscribing, so no
    /// change is missed or reported twice, and nothing reaches <paramref name="onChange"/> before it.
    /// </summary>
    internal IDisposable Watch(Action<VirtualPinChange> onChange, Action<IReadOnlyList<VirtualPinState>, DateTimeOffset> onSubscribed)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var snapshot = new List<VirtualPinState>();
            for (var i = 0; i < _pins.Length; i++)
            {
                if (_pins[i].Mode != VirtualPinMode.Closed)
                {
                    snapshot.Add(new VirtualPinState(i, _pins[i].Mode, _pins[i].Level));
                }
            }

            onSubscribed(snapshot, _timeProvider.GetUtcNow());
            _watchers.Add(onChange);
            return new Subscription(this, onChange);
        }
    }

    // ---- The gateway's end: GpioDriver ----

    /// <inheritdoc />
    protected override void OpenPin(int pinNumber)
    {
        var p = PinAt(pinNumber, nameof(pinNumber));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (p.Mode != VirtualPinMode.Closed)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is already open.");
            }

            p.Mode = VirtualPinMode.Input;
            Settle(pinNumber, p, null);
        }
    }

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber)
    {
        var p = PinAt(pinNumber, nameof(pinNumber));
        lock (_lock)
        {
            if (p.Mode == VirtualPinMode.Closed)
            {
                return;
            }

            p.Mode = VirtualPinMode.Closed;
            p.Callbacks.Clear();
            foreach (var (_, waiter) in p.Waiters)
            {
                waiter.TrySetResult(PinEventTypes.None);
            }

            p.Waiters.Clear();
            Settle(pinNumber, p, null);
        }
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        var p = OpenPinAt(pinNumber);
        var virtualMode = VirtualPin.From(mode);
        lock (_lock)
        {
            EnsureOpen(pinNumber, p);
            p.Mode = virtualMode;
            Settle(pinNumber, p, null);
        }
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        var p = OpenPinAt(pinNumber);
        var virtualMode = VirtualPin.From(mode);
        lock (_lock)
        {
            EnsureOpen(pinNumber, p);
            if (virtualMode == VirtualPinMode.Output)
            {
                // Latch the value first so the wire never shows the old one (no glitch on an LED).
                p.OutputLevel = initialValue;
            }

            p.Mode = virtualMode;
            Settle(pinNumber, p, null);
        }
    }

    /// <inheritdoc />
    protected override PinMode GetPinMode(int pinNumber)
    {
        var p = OpenPinAt(pinNumber);
        lock (_lock)
        {
            EnsureOpen(pinNumber, p);
            return VirtualPin.To(p.Mode);
        }
    }

    /// <inheritdoc />
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        (uint)pinNumber < (uint)_pins.Length
        && mode is PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown or PinMode.Output;

    /// <inheritdoc />
    protected override PinValue Read(int pinNumber)
    {
        var p = OpenPinAt(pinNumber);
        lock (_lock)
        {
            EnsureOpen(pinNumber, p);
            return p.Level;
        }
    }

    /// <inheritdoc />
    protected override void Write(int pinNumber, PinValue value)
    {
        var p = OpenPinAt(pinNumber);
        lock (_lock)
        {
            EnsureOpen(pinNumber, p);
            if (p.Mode != VirtualPinMode.Output)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is not an output.");
            }

            p.OutputLevel = value;
            Settle(pinNumber, p, null);
        }
    }

    /// <inheritdoc />
    protected override void Toggle(int pinNumber)
    {
        var p = OpenPinAt(pinNumber);
        lock (_lock)
        {
            EnsureOpen(pinNumber, p);
            if (p.Mode != VirtualPinMode.Output)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is not an output.");
            }

            p.OutputLevel = !p.OutputLevel;
            Settle(pinNumber, p, null);
        }
    }

    /// <inheritdoc />
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        WaitForEventAsync(pinNumber, eventTypes, cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Waits for the next edge of <paramref name="eventTypes"/> on an open pin. Cancellation (the
    /// caller's timeout) or closing the pin ends the wait with <c>TimedOut</c>, as on libgpiod.
    /// </summary>
    protected override async ValueTask<WaitForEventResult> WaitForEventAsync(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        var p = OpenPinAt(pinNumber);
        if ((eventTypes & (PinEventTypes.Rising | PinEventTypes.Falling)) == 0)
        {
            throw new ArgumentException("Wait for Rising, Falling or both.", nameof(eventTypes));
        }

        var waiter = new TaskCompletionSource<PinEventTypes>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            EnsureOpen(pinNumber, p);
            p.Waiters.Add((eventTypes, waiter));
        }

        PinEventTypes edge;
        using (cancellationToken.Register(static state => ((TaskCompletionSource<PinEventTypes>)state!).TrySetResult(PinEventTypes.None), waiter))
        {
            edge = await waiter.Task.ConfigureAwait(false);
        }

        lock (_lock)
        {
            p.Waiters.RemoveAll(w => w.Waiter == waiter);
        }

        return edge == PinEventTypes.None
            ? new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true }
            : new WaitForEventResult { EventTypes = edge, TimedOut = false };
    }

    /// <inheritdoc />
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var p = OpenPinAt(pinNumber);
        lock (_lock)
        {
            EnsureOpen(pinNumber, p);
            p.Callbacks.Add((eventTypes, callback));
        }
    }

    /// <inheritdoc />
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        var p = PinAt(pinNumber, nameof(pinNumber));
        lock (_lock)
        {
            p.Callbacks.RemoveAll(c => c.Handler == callback);
        }
    }

    /// <inheritdoc />
    public override GpioChipInfo GetChipInfo() => new(0, "virtual", "Pi Gateway virtual GPIO", _pins.Length);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _watchers.Clear();
                foreach (var p in _pins)
                {
                    foreach (var (_, waiter) in p.Waiters)
                    {
                        waiter.TrySetResult(PinEventTypes.None);
                    }

                    p.Waiters.Clear();
                    p.Callbacks.Clear();
                }

                // Callbacks already queued still run; the dispatcher then ends. Not awaited: Dispose
                // may be called from a callback, which runs on the dispatcher.
                _callbacks.CompleteAdding();
            }

            _server?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Brings a pin's wire to the level its mode and drive give it, and reports the edge to the
    /// rig's watchers, the waiters and (through the dispatcher) the callbacks. Under the lock.
    /// </summary>
    /// <returns>When the level changed, or null when it did not.</returns>
    private DateTimeOffset? Settle(int pin, VirtualPin p, TaskCompletionSource? delivered)
    {
        var level = p.SettledLevel();
        if (level == p.Level)
        {
            // Still through the dispatcher: the rig's request completes after every earlier edge's callbacks.
            if (delivered is not null && !TryQueue(new CallbackBatch([], null, delivered)))
            {
                delivered.TrySetResult();
            }

            return null;
        }

        p.Level = level;
        var edge = level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        var at = _timeProvider.GetUtcNow();
        var change = new VirtualPinChange(pin, level, at);
        foreach (var watcher in _watchers)
        {
            watcher(change);
        }

        for (var i = p.Waiters.Count - 1; i >= 0; i--)
        {
            if ((p.Waiters[i].Types & edge) != 0)
            {
                p.Waiters[i].Waiter.TrySetResult(edge);
                p.Waiters.RemoveAt(i);
            }
        }

        var handlers = p.Callbacks.Where(c => (c.Types & edge) != 0).Select(c => c.Handler).ToArray();
        if (handlers.Length > 0 || delivered is not null)
        {
            if (!TryQueue(new CallbackBatch(handlers, new PinValueChangedEventArgs(edge, pin), delivered)))
            {
                delivered?.TrySetResult();
            }
        }

        return at;
    }

    private void DispatchCallbacks()
    {
        foreach (var batch in _callbacks.GetConsumingEnumerable())
        {
            foreach (var handler in batch.Handlers)
            {
                try
                {
                    handler(this, batch.Args!);
                }
#pragma warning disable CA1031 // A subscriber's bug must not stop the pins' events for everyone else.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogCallbackFailed(_logger, ex, batch.Args!.PinNumber, batch.Args.ChangeType);
                }
            }

            batch.Delivered?.TrySetResult();
        }
    }

    /// <summary>Queues callbacks for the event thread; false once the driver is disposed. Under the lock.</summary>
    private bool TryQueue(CallbackBatch batch) => !_callbacks.IsAddingCompleted && _callbacks.TryAdd(batch);

    private VirtualPin PinAt(int pin, string paramName)
    {
        if ((uint)pin >= (uint)_pins.Length)
        {
            throw new ArgumentOutOfRangeException(paramName, pin, $"The virtual chip has pins 0-{_pins.Length - 1}.");
        }

        return _pins[pin];
    }

    private VirtualPin OpenPinAt(int pinNumber) => PinAt(pinNumber, nameof(pinNumber));

    private void EnsureOpen(int pinNumber, VirtualPin p)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (p.Mode == VirtualPinMode.Closed)
        {
            throw new InvalidOperationException($"Pin {pinNumber} is not open.");
        }
    }

    private void Unwatch(Action<VirtualPinChange> onChange)
    {
        lock (_lock)
        {
            _watchers.Remove(onChange);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "A GPIO callback for pin {Pin} ({Edge}) threw; the next callbacks still run")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception, int pin, PinEventTypes edge);

    private readonly record struct CallbackBatch(PinChangeEventHandler[] Handlers, PinValueChangedEventArgs? Args, TaskCompletionSource? Delivered);

    private sealed class Subscription(VirtualGpioDriver driver, Action<VirtualPinChange> onChange) : IDisposable
    {
        public void Dispose() => driver.Unwatch(onChange);
    }
}

/// <summary>Why a rig's drive of a pin was refused.</summary>
internal enum VirtualWireError
{
    None = 0,
    BadPin = 1,
    NotInput = 2,
}
