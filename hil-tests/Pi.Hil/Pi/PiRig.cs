using System.Device.Gpio;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Gateway.Gpio;
using Pi.Gateway.Leds;
using Pi.Hil.Leds;
using Pi.Hil.Netns;
using Pi.Hil.Processes;

namespace Pi.Hil.Pi;

/// <summary>
/// The rig for a real gateway Pi: a second Raspberry Pi (the rig Pi, running these tests) drives the
/// gateway's reset pin from one of its GPIO outputs and reads the gateway's LED pins on its inputs,
/// through an injected <see cref="GpioDriver"/> (libgpiod on the rig Pi; a fake in tests). A press
/// drives the press level; a release stops driving (the pin becomes an input, high impedance), so
/// the gateway's own pull-up brings the line back as a real button would. The APP runs on the rig
/// Pi; restarts and power cuts are commands from the configuration. Wiring: docs/hardware.md.
/// </summary>
public sealed class PiRig : IRig
{
    private readonly PiRigOptions _options;
    private readonly GpioController _gpio;
    private readonly bool _ownsDriver;
    private readonly GpioDriver _driver;
    private readonly Lock _gate = new();
    private readonly List<LedChange> _changes = [];
    private readonly bool[] _initial;
    private readonly DateTimeOffset _started;
    private readonly TimeProvider _time;
    private readonly PinChangeEventHandler _onEdge;
    private readonly ExternalCloud _cloud;
    private readonly string _root;

    /// <summary>Makes the rig on <paramref name="driver"/> (the rig Pi's GPIO), opening the pins at once.</summary>
    public PiRig(PiRigOptions options, GpioDriver driver, string appDll, RigLog log, TimeProvider? timeProvider = null, bool ownsDriver = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(driver);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        _options = options;
        _driver = driver;
        _ownsDriver = ownsDriver;
        _time = timeProvider ?? TimeProvider.System;
        Log = log;
        _gpio = new GpioController(driver);
        // The reset line starts released: an input, so the gateway's pull keeps it.
        _gpio.OpenPin(options.ResetPin, PinMode.Input);
        _started = _time.GetUtcNow();
        _initial = new bool[options.LedPins.Count];
        _onEdge = OnEdge;
        for (var i = 0; i < options.LedPins.Count; i++)
        {
            _gpio.OpenPin(options.LedPins[i], PinMode.Input);
            _initial[i] = Lit(_gpio.Read(options.LedPins[i]));
            _gpio.RegisterCallbackForPinValueChangedEvent(options.LedPins[i], PinEventTypes.Rising | PinEventTypes.Falling, _onEdge);
        }
        _root = Directory.CreateTempSubdirectory("pihil-pi-").FullName;
        App = new AppCli(appDll, log, null, _root);
        _cloud = new ExternalCloud(options, log);
        Addresses = new GatewayAddresses(IPEndPoint.Parse(options.SearchEndPoint), IPAddress.Parse(options.SoftApAddress), IPAddress.Parse(options.LanAddress), options.AppInterface, options.AnswerPort)
        {
            LanSearchEndPoint = IPEndPoint.Parse(options.LanSearchEndPoint),
        };
    }

    /// <summary>Makes the rig on the rig Pi's own libgpiod chip (constructed only here, when this rig is chosen).</summary>
    public static PiRig OnThisPi(PiRigOptions options, string appDll, RigLog log)
    {
        ArgumentNullException.ThrowIfNull(options);
        var driver = GpioDriverFactory.Create(
            new GpioOptions { Driver = options.Driver == "LibgpiodV2" ? GpioDriverKind.LibgpiodV2 : GpioDriverKind.Libgpiod, Chip = options.Chip },
            TimeProvider.System,
            NullLoggerFactory.Instance);
        return new PiRig(options, driver, appDll, log, ownsDriver: true);
    }

    /// <summary>The rig's log.</summary>
    public RigLog Log { get; }

    /// <inheritdoc />
    public RigMode Mode => RigMode.Pi;

    /// <inheritdoc />
    public GatewayAddresses Addresses { get; }

    /// <inheritdoc />
    public int LedCount => _options.LedPins.Count;

    /// <inheritdoc />
    public LedTimeline LedTimeline
    {
        get
        {
            lock (_gate)
            {
                return new LedTimeline(_initial, [.. _changes], _started, _time.GetUtcNow());
            }
        }
    }

    /// <inheritdoc />
    public AppCli App { get; }

    /// <inheritdoc />
    public ICloudControl Cloud => _cloud;

    /// <inheritdoc />
    public string GatewayLog => Log.ToString();

    /// <summary>Raised at every LED edge.</summary>
    public event Action? LedChanged;

    /// <summary>Whether the rig is driving the reset line now.</summary>
    public bool ResetHeld => _gpio.GetPinMode(_options.ResetPin) == PinMode.Output;

    /// <inheritdoc />
    public async Task PressResetAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        await HoldResetDownAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(duration, _time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A cancelled press still lets go: the rig never leaves the button held.
            await ReleaseResetAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task HoldResetDownAsync(CancellationToken cancellationToken)
    {
        Log.Write("pi-rig", $"reset down (BCM {_options.ResetPin} driven {_options.PressLevel})");
        _gpio.SetPinMode(_options.ResetPin, PinMode.Output);
        _gpio.Write(_options.ResetPin, _options.PressLevel == 0 ? PinValue.Low : PinValue.High);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ReleaseResetAsync(CancellationToken cancellationToken)
    {
        Log.Write("pi-rig", $"reset up (BCM {_options.ResetPin} released: input)");
        _gpio.SetPinMode(_options.ResetPin, PinMode.Input);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<LedTimeline> RecordLedsAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var from = _time.GetUtcNow();
        await Task.Delay(duration, _time, cancellationToken).ConfigureAwait(false); // recording for a span is the point
        return LedTimeline.Slice(from, _time.GetUtcNow());
    }

    /// <inheritdoc />
    public Task<LedTimeline> WaitForLedPatternAsync(LedState state, TimeSpan timeout, CancellationToken cancellationToken) =>
        LedWaiter.WaitAsync(() => LedTimeline, h => LedChanged += h, h => LedChanged -= h, state, LedCount, timeout, cancellationToken);

    /// <inheritdoc />
    public Task RestartGatewayAsync(CancellationToken cancellationToken) => RunAsync(_options.RestartCommand);

    /// <inheritdoc />
    public Task PowerCycleGatewayAsync(CancellationToken cancellationToken) => RunAsync(_options.PowerCycleCommand);

    /// <summary>The gateway's journal, fetched with the configured command (empty when none).</summary>
    public async Task<string> FetchGatewayLogAsync() =>
        _options.LogCommand.Count == 0 ? "" : (await Tools.RunAsync(_options.LogCommand[0], _options.LogCommand.Skip(1), Log, check: false).ConfigureAwait(false)).Stdout;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (var pin in _options.LedPins)
        {
            _gpio.UnregisterCallbackForPinValueChangedEvent(pin, _onEdge);
        }
        // Let go of the button whatever happened.
        _gpio.SetPinMode(_options.ResetPin, PinMode.Input);
        _gpio.Dispose();
        if (_ownsDriver)
        {
            _driver.Dispose();
        }
        _cloud.Dispose();
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }

    private bool Lit(PinValue value) => (value == PinValue.High) == _options.LedActiveHigh;

    private void OnEdge(object sender, PinValueChangedEventArgs args)
    {
        var led = -1;
        for (var i = 0; i < _options.LedPins.Count; i++)
        {
            if (_options.LedPins[i] == args.PinNumber)
            {
                led = i;
            }
        }
        if (led < 0)
        {
            return;
        }
        var high = args.ChangeType == PinEventTypes.Rising;
        lock (_gate)
        {
            _changes.Add(new LedChange(led, high == _options.LedActiveHigh, _time.GetUtcNow()));
        }
        LedChanged?.Invoke();
    }

    private async Task RunAsync(IReadOnlyList<string> command)
    {
        await Tools.RunAsync(command[0], command.Skip(1), Log, timeout: TimeSpan.FromMinutes(2)).ConfigureAwait(false);
    }

    private sealed class ExternalCloud(PiRigOptions options, RigLog log) : ICloudControl, IDisposable
    {
        private HttpClient? _http;

        public Uri Url { get; } = new(options.CloudUrl);

        public string Fingerprint => options.CloudFingerprint;

        public Task KillAsync(CancellationToken cancellationToken) => Run(options.CloudKillCommand, "cloudKillCommand");

        public Task StartAsync(CancellationToken cancellationToken) => Run(options.CloudStartCommand, "cloudStartCommand");

        public async Task<string> GetAsync(string path, CancellationToken cancellationToken)
        {
            if (_http is null)
            {
                var handler = new SocketsHttpHandler();
                NetworkNamespace.PinTls(handler, string.IsNullOrEmpty(Fingerprint) ? null : Convert.FromHexString(Fingerprint.Replace(":", "", StringComparison.Ordinal)));
                _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
            }
            return await _http.GetStringAsync(new Uri(Url, path), cancellationToken).ConfigureAwait(false);
        }

        public void Dispose() => _http?.Dispose();

        private async Task Run(IReadOnlyList<string> command, string name)
        {
            if (command.Count == 0)
            {
                throw new NotSupportedException($"the Pi rig's configuration has no {name}: this scenario needs the rig to control the cloud");
            }
            await Tools.RunAsync(command[0], command.Skip(1), log, timeout: TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        }
    }
}
