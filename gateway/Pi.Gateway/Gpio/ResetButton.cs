using Iot.Device.Button;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pi.Gateway.Gpio;

/// <summary>
/// The reset button on <c>Gpio:ResetPin</c>: raises <see cref="ShortPress"/> on a press let go
/// before <c>Gpio:LongPressMs</c>, and <see cref="LongPress"/> as soon as the button has been held
/// that long (so the LEDs can say "resetting" while it is still held); a long press is never also
/// a short one.
/// </summary>
/// <remarks>
/// The pin is read by <see cref="GpioButton"/> on the injected <see cref="System.Device.Gpio.GpioController"/>
/// (pull-up or pull-down, edge callbacks, and its hold timer with <c>IsHoldingEnabled</c>: Holding
/// <c>Started</c> is the long press). Two of its semantics do not fit a reset button, so it is
/// wrapped (Gpio/README.md, "Why GpioButton is wrapped"): its debounce ignores presses for a while
/// after a release, so a bounce on the way down reads as a release and the rest of the press is
/// lost; and its <c>Press</c> follows every release, holds included. So GpioButton runs with no
/// debounce, and <see cref="ResetPressClassifier"/> debounces its ButtonDown/ButtonUp edges and
/// classifies presses, on this class's <see cref="TimeProvider"/>. GpioButton's hold timer runs on
/// the system clock whatever the TimeProvider.
/// </remarks>
public sealed partial class ResetButton : IHostedService, IDisposable
{
    private readonly System.Device.Gpio.GpioController _controller;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ResetPressClassifier _classifier;
    private readonly bool _pullUp;
    private readonly long _origin;
    private readonly Lock _lock = new();
    private GpioButton? _button;
    private ITimer? _settleTimer;

    public ResetButton(System.Device.Gpio.GpioController controller, IOptions<GpioOptions> options, TimeProvider timeProvider, ILogger<ResetButton> logger)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _controller = controller;
        _timeProvider = timeProvider;
        _logger = logger;
        Pin = options.Value.ResetPin;
        _pullUp = options.Value.ResetPullUp;
        _classifier = new ResetPressClassifier(TimeSpan.FromMilliseconds(options.Value.LongPressMs), TimeSpan.FromMilliseconds(options.Value.DebounceMs));
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>A press let go before the long-press time (raised once the release has settled).</summary>
    public event EventHandler? ShortPress;

    /// <summary>The button has been held for the long-press time (raised while it is still held).</summary>
    public event EventHandler? LongPress;

    /// <summary>The button's pin (BCM).</summary>
    public int Pin { get; }

    /// <summary>True from the first press edge until the release has settled.</summary>
    public bool IsPressed
    {
        get
        {
            lock (_lock)
            {
                return _classifier.IsPressed;
            }
        }
    }

    /// <summary>Opens the pin (pull-up or pull-down) and starts listening.</summary>
    /// <exception cref="ArgumentException">The driver cannot give the pin that pull.</exception>
    /// <exception cref="InvalidOperationException">The pin is already in use.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_button is not null)
            {
                return Task.CompletedTask;
            }

            // GpioController 4.x reopens an open pin without complaint (and would change its mode).
            if (_controller.IsPinOpen(Pin))
            {
                throw new InvalidOperationException($"Pin {Pin} (Gpio:ResetPin) is already in use.");
            }

            _settleTimer = _timeProvider.CreateTimer(static s => ((ResetButton)s!).OnSettleDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            // No debounce in GpioButton (see remarks); its double-press window is unused.
            var button = new GpioButton(
                Pin,
                doublePress: TimeSpan.FromSeconds(1.5),
                holding: _classifier.LongPress,
                isPullUp: _pullUp,
                hasExternalResistor: false,
                gpio: _controller,
                shouldDispose: false,
                debounceTime: TimeSpan.Zero)
            {
                IsHoldingEnabled = true,
            };
            button.ButtonDown += OnButtonDown;
            button.ButtonUp += OnButtonUp;
            button.Holding += OnHolding;
            _button = button;
            LogListening(_logger, Pin, _pullUp ? "pull-up, pressed = low" : "pull-down, pressed = high", (int)_classifier.LongPress.TotalMilliseconds);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops listening and closes the pin.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Release();
        return Task.CompletedTask;
    }

    public void Dispose() => Release();

    private TimeSpan Now => _timeProvider.GetElapsedTime(_origin);

    private void Release()
    {
        lock (_lock)
        {
            if (_button is { } button)
            {
                button.ButtonDown -= OnButtonDown;
                button.ButtonUp -= OnButtonUp;
                button.Holding -= OnHolding;
                try
                {
                    button.Dispose();
                }
                catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
                {
                    // The controller went first (host shutdown order); it closed the pin.
                }

                _button = null;
            }

            _settleTimer?.Dispose();
            _settleTimer = null;
        }
    }

    private void OnButtonDown(object? sender, EventArgs e)
    {
        lock (_lock)
        {
            _classifier.Down(Now);
            _settleTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnButtonUp(object? sender, EventArgs e)
    {
        lock (_lock)
        {
            _classifier.Up(Now);
            ArmSettleTimer();
        }
    }

    private void OnHolding(object? sender, ButtonHoldingEventArgs e)
    {
        if (e.HoldingState != ButtonHoldingState.Started)
        {
            return;
        }

        ResetPressKind? press;
        lock (_lock)
        {
            press = _classifier.HoldReached(Now);
        }

        Raise(press);
    }

    private void OnSettleDue()
    {
        ResetPressKind? press;
        lock (_lock)
        {
            press = _classifier.Settle(Now);
            // A timer a hair early leaves the release unsettled: wait the rest.
            ArmSettleTimer();
        }

        Raise(press);
    }

    private void ArmSettleTimer()
    {
        if (_classifier.SettleDueAt is { } due)
        {
            var wait = TimeSpan.FromMilliseconds(Math.Max(0, Math.Ceiling((due - Now).TotalMilliseconds)));
            _settleTimer?.Change(wait, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Raises the press's event outside the lock; a subscriber's exception is logged, never thrown into the GPIO thread.</summary>
    private void Raise(ResetPressKind? press)
    {
        if (press is not { } kind)
        {
            return;
        }

        LogPress(_logger, kind, Pin);
        var handler = kind == ResetPressKind.LongPress ? LongPress : ShortPress;
        try
        {
            handler?.Invoke(this, EventArgs.Empty);
        }
#pragma warning disable CA1031 // A subscriber's bug must not kill the button (or the driver's event thread).
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFailed(_logger, ex, kind);
        }
    }

    [LoggerMessage(EventId = 4030, Level = LogLevel.Information, Message = "Reset button on pin {Pin} ({Wiring}); long press {LongPressMs} ms")]
    private static partial void LogListening(ILogger logger, int pin, string wiring, int longPressMs);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Information, Message = "Reset button: {Press} press on pin {Pin}")]
    private static partial void LogPress(ILogger logger, ResetPressKind press, int pin);

    [LoggerMessage(EventId = 4032, Level = LogLevel.Error, Message = "Reset button: a {Press} press handler threw")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, ResetPressKind press);
}
