using System.Device.Gpio;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Gpio;

/// <summary>The rig's end of the wires, and how a level change reaches watchers, waiters and callbacks.</summary>
public sealed partial class VirtualGpioDriver
{
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
