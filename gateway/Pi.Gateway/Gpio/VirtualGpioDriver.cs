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
}

/// <summary>Why a rig's drive of a pin was refused.</summary>
internal enum VirtualWireError
{
    None = 0,
    BadPin = 1,
    NotInput = 2,
}
