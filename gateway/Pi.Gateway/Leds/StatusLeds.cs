using System.Device.Gpio;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.Gpio;

namespace Pi.Gateway.Leds;

/// <summary>
/// The status LEDs: shows a <see cref="LedState"/> on the <c>Gpio:LedPins</c> outputs by playing
/// its <see cref="LedPattern"/> with a <see cref="LedPatternPlayer"/> on a <see cref="TimeProvider"/>
/// timer. The timer fires only when a level changes, and levels come from the time elapsed since the
/// pattern started, so a late tick never makes the pattern drift. The LEDs are off before start and after stop.
/// </summary>
public sealed partial class StatusLeds : IHostedService, IDisposable
{
    private readonly GpioController _controller;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly int[] _pins;
    private readonly bool _activeHigh;
    private readonly Lock _lock = new();
    private readonly bool[] _levels;
    private readonly bool?[] _written;
    private ITimer? _timer;
    private LedPatternPlayer? _player;
    private long _startedAt;
    private LedState? _state;
    private bool _running;

    public StatusLeds(GpioController controller, IOptions<GpioOptions> options, TimeProvider timeProvider, ILogger<StatusLeds> logger)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _controller = controller;
        _timeProvider = timeProvider;
        _logger = logger;
        _pins = [.. options.Value.LedPins];
        if (_pins.Length is < 1 or > LedPattern.MaxLeds)
        {
            throw new ArgumentException("One or two LED pins.", nameof(options));
        }

        _activeHigh = options.Value.LedActiveHigh;
        _levels = new bool[_pins.Length];
        _written = new bool?[_pins.Length];
    }

    /// <summary>The state shown (or to be shown once started), or null before the first <see cref="Show"/>.</summary>
    public LedState? State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>The LED pins, green (or the only one) first.</summary>
    public IReadOnlyList<int> Pins => _pins;

    /// <summary>
    /// Shows <paramref name="state"/>: its pattern starts from its beginning now. Showing the state
    /// already shown changes nothing (the blink keeps its rhythm). Before start, it is remembered.
    /// </summary>
    public void Show(LedState state)
    {
        var pattern = LedPatterns.For(state, _pins.Length);
        lock (_lock)
        {
            if (_state == state && _player is not null)
            {
                return;
            }

            _state = state;
            _player = new LedPatternPlayer(pattern);
            _startedAt = _timeProvider.GetTimestamp();
            if (_running)
            {
                LogShowing(_logger, state);
                Apply();
            }
        }
    }

    /// <summary>Opens the LED pins as outputs, off, and starts the remembered state's pattern.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_running)
            {
                return Task.CompletedTask;
            }

            // GpioController 4.x reopens an open pin without complaint (and would change its mode).
            if (_pins.FirstOrDefault(_controller.IsPinOpen, -1) is var busy and >= 0)
            {
                throw new InvalidOperationException($"Pin {busy} (Gpio:LedPins) is already in use.");
            }

            foreach (var pin in _pins)
            {
                // The initial value is latched before the pin turns output: an active-low LED never flashes.
                _controller.OpenPin(pin, PinMode.Output, ToPinValue(false));
            }

            Array.Fill(_written, false);
            _timer = _timeProvider.CreateTimer(static s => ((StatusLeds)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _running = true;
            if (_player is not null)
            {
                _startedAt = _timeProvider.GetTimestamp();
                Apply();
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops the pattern, turns the LEDs off and closes their pins.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_running)
            {
                return Task.CompletedTask;
            }

            _running = false;
            _timer?.Dispose();
            _timer = null;
            try
            {
                foreach (var pin in _pins)
                {
                    _controller.Write(pin, ToPinValue(false));
                    _controller.ClosePin(pin);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
            {
                // The controller went first (host shutdown order); the pins are closed with it.
            }
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _running = false;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_running)
            {
                Apply();
            }
        }
    }

    /// <summary>Writes the levels for now and sets the timer for the next change. Under the lock.</summary>
    private void Apply()
    {
        var player = _player!;
        var elapsed = _timeProvider.GetElapsedTime(_startedAt);
        player.LevelsAt(elapsed, _levels);
        try
        {
            for (var i = 0; i < _pins.Length; i++)
            {
                if (_written[i] != _levels[i])
                {
                    _controller.Write(_pins[i], ToPinValue(_levels[i]));
                    _written[i] = _levels[i];
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            LogWriteFailed(_logger, ex);
            _running = false;
            return;
        }

        if (player.NextChangeAfter(elapsed) is { } next)
        {
            // Rounded up to the timer's millisecond, so it never fires just before the change.
            var due = TimeSpan.FromMilliseconds(Math.Ceiling((next - elapsed).TotalMilliseconds));
            _timer!.Change(due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private PinValue ToPinValue(bool on) => on == _activeHigh ? PinValue.High : PinValue.Low;

    [LoggerMessage(EventId = 4040, Level = LogLevel.Debug, Message = "Status LEDs: {State}")]
    private static partial void LogShowing(ILogger logger, LedState state);

    [LoggerMessage(EventId = 4041, Level = LogLevel.Error, Message = "Status LEDs: writing a pin failed; the pattern stops")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);
}
