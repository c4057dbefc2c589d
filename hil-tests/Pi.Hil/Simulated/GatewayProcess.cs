using System.Device.Gpio;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pi.Gateway.Gpio;
using Pi.Gateway.Qr;
using Pi.Hil.Leds;
using Pi.Hil.Processes;
using Pi.Protocol.Crypto;
using Pi.Protocol.Labels;

namespace Pi.Hil.Simulated;

/// <summary>
/// The gateway (Pi.Gateway.dll) as its own process with the simulated radio and the virtual GPIO
/// driver, and the rig's end of that driver's socket (<see cref="VirtualGpioRig"/>). Its state
/// comes from its log (one line per transition); the LED timeline runs across restarts.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    /// <summary>The reset button's pin (the gateway's default).</summary>
    public const int ResetPin = 17;

    /// <summary>The LED pins, green then red (the gateway's defaults).</summary>
    public static readonly IReadOnlyList<int> LedPins = [27, 22];

    private readonly string _dll;
    private readonly RigLog _log;
    private readonly string? _netns;
    private readonly IReadOnlyList<string> _arguments;
    private readonly Lock _gate = new();
    private readonly List<LedChange> _changes = [];
    private readonly bool[] _levels = new bool[LedPins.Count];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Done)> _stateWaiters = [];
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private RigProcess? _process;
    private VirtualGpioRig? _gpio;
    private CancellationTokenSource? _pump;
    private Task? _pumpTask;
    private int _starts;
    private string _state = "Stopped";

    internal GatewayProcess(string dll, RigLog log, string? netns, string dataDirectory, string socketPath, IReadOnlyList<string> arguments)
    {
        _dll = dll;
        _log = log;
        _netns = netns;
        DataDirectory = dataDirectory;
        SocketPath = socketPath;
        _arguments = arguments;
    }

    /// <summary>The gateway's state directory (identity, registration).</summary>
    public string DataDirectory { get; }

    /// <summary>The virtual GPIO socket.</summary>
    public string SocketPath { get; }

    /// <summary>The running process (null while stopped).</summary>
    public RigProcess? Process => _process;

    /// <summary>The last state the gateway logged a transition to.</summary>
    public string State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Every LED change seen since the rig started (all runs), with the levels at the start (off).</summary>
    public LedTimeline Timeline
    {
        get
        {
            lock (_gate)
            {
                return new LedTimeline(new bool[LedPins.Count], [.. _changes], _created, DateTimeOffset.UtcNow);
            }
        }
    }

    /// <summary>Signalled at every LED change (for waiting on the LEDs).</summary>
    public event Action? LedChanged;

    /// <summary>The label's QR payload, from the identity the gateway made on its first start.</summary>
    public string QrPayload()
    {
        using var identity = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory, "identity.json")));
        var mac = identity.RootElement.GetProperty("mac").GetString()!;
        var setup = SetupCode.Parse(identity.RootElement.GetProperty("setupCode").GetString()!);
        return new QrPayload(mac, setup, SoftApSsid.For("pi", "gateway", mac)).ToText();
    }

    /// <summary>The identity's verification code (what the label carries for registration), for a rig acting as another APP.</summary>
    public string VerificationCode()
    {
        using var identity = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory, "identity.json")));
        return identity.RootElement.GetProperty("verificationCode").GetString()!;
    }

    /// <summary>The label's secrets (setup code in both forms, verification code), for the log to hide.</summary>
    public IEnumerable<string> IdentitySecrets()
    {
        using var identity = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDirectory, "identity.json")));
        var setup = identity.RootElement.GetProperty("setupCode").GetString()!;
        return [setup, setup.Replace("-", "", StringComparison.Ordinal), identity.RootElement.GetProperty("verificationCode").GetString()!];
    }

    /// <summary>Starts the gateway and connects to its GPIO socket once it is up.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_process is { IsRunning: true })
        {
            throw new InvalidOperationException("the gateway is running");
        }
        var process = RigProcess.StartDotnet($"gateway{(++_starts > 1 ? "#" + _starts : "")}", _dll, _arguments, _log, _netns, Path.GetDirectoryName(DataDirectory), onLine: OnLine);
        _process = process;
        await process.WaitForLineAsync(TransitionFromStarting(), TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        var gpio = await VirtualGpioRig.ConnectAsync(SocketPath, cancellationToken).ConfigureAwait(false);
        var pins = await gpio.WatchAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            for (var i = 0; i < LedPins.Count; i++)
            {
                var on = pins.FirstOrDefault(p => p.Pin == LedPins[i]) is { } pin && pin.Level == PinValue.High;
                if (on != _levels[i])
                {
                    _levels[i] = on;
                    _changes.Add(new LedChange(i, on, now));
                }
            }
        }
        _gpio = gpio;
        _pump = new CancellationTokenSource();
        _pumpTask = PumpLedsAsync(gpio, _pump.Token);
    }

    /// <summary>Stops the gateway: SIGTERM (a clean stop) or SIGKILL (a power cut), by PID.</summary>
    public async Task StopAsync(bool kill)
    {
        if (_pump is not null)
        {
            await _pump.CancelAsync().ConfigureAwait(false);
        }
        if (_process is not null)
        {
            if (kill)
            {
                await _process.KillAsync().ConfigureAwait(false);
            }
            else
            {
                await _process.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        if (_pumpTask is not null)
        {
            await _pumpTask.ConfigureAwait(false);
        }
        if (_gpio is not null)
        {
            await _gpio.DisposeAsync().ConfigureAwait(false);
            _gpio = null;
        }
        _pump?.Dispose();
        _pump = null;
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }
        lock (_gate)
        {
            // The LEDs are dark without the gateway: a clean stop turns them off, a power cut too.
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < LedPins.Count; i++)
            {
                if (_levels[i])
                {
                    _levels[i] = false;
                    _changes.Add(new LedChange(i, false, now));
                }
            }
            _state = "Stopped";
        }
    }

    /// <summary>The rig's end of the GPIO socket (while the gateway runs).</summary>
    public VirtualGpioRig Gpio => _gpio ?? throw new InvalidOperationException("the gateway is not running");

    /// <summary>Waits until the gateway logs a transition into <paramref name="state"/> (at once when it is there).</summary>
    public Task WaitForStateAsync(string state, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForTransitionAsync(s => s == state, state, timeout, cancellationToken, includeCurrent: true);

    /// <summary>Waits for the next transition into a state for which <paramref name="match"/> holds (not the current one).</summary>
    public async Task WaitForTransitionAsync(Func<string, bool> match, string what, TimeSpan timeout, CancellationToken cancellationToken, bool includeCurrent = false)
    {
        ArgumentNullException.ThrowIfNull(match);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (includeCurrent && match(_state))
            {
                return;
            }
            _stateWaiters.Add((match, done));
        }
        try
        {
            await done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the gateway did not reach {what} within {timeout.TotalSeconds:0.#} s (it is {State})");
        }
        finally
        {
            lock (_gate)
            {
                _stateWaiters.RemoveAll(w => w.Done == done);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(kill: false).ConfigureAwait(false);

    private void OnLine(string line)
    {
        var match = Transition().Match(line);
        if (!match.Success)
        {
            return;
        }
        var to = match.Groups[2].Value;
        List<TaskCompletionSource> done = [];
        lock (_gate)
        {
            _state = to;
            foreach (var waiter in _stateWaiters.Where(w => w.Match(to)).ToList())
            {
                done.Add(waiter.Done);
                _stateWaiters.Remove(waiter);
            }
        }
        done.ForEach(d => d.TrySetResult());
    }

    private async Task PumpLedsAsync(VirtualGpioRig gpio, CancellationToken cancellationToken)
    {
        var taken = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // A wake-up only: the data is the rig's complete timeline (no change is missed there).
                await Task.WhenAny(LedPins.Select(p => gpio.WaitForChangeAsync(p, cancellationToken))).Unwrap().ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or VirtualGpioRigException or IOException or ObjectDisposedException)
            {
                break;
            }
            var timeline = gpio.Timeline;
            lock (_gate)
            {
                foreach (var change in timeline.Skip(taken))
                {
                    var led = IndexOf(change.Pin);
                    if (led >= 0)
                    {
                        var on = change.Level == PinValue.High;
                        _levels[led] = on;
                        _changes.Add(new LedChange(led, on, change.At));
                    }
                }
                taken = timeline.Count;
            }
            LedChanged?.Invoke();
        }
    }

    private static int IndexOf(int pin)
    {
        for (var i = 0; i < LedPins.Count; i++)
        {
            if (LedPins[i] == pin)
            {
                return i;
            }
        }
        return -1;
    }

    [GeneratedRegex(@"^\s*(\w+) -> (\w+) on \w+")]
    private static partial Regex Transition();

    [GeneratedRegex(@"^\s*Starting -> \w+ on ")]
    private static partial Regex TransitionFromStarting();
}
