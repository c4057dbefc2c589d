using System.Globalization;
using Pi.SubDevice.Client;

namespace Pi.SubDevice.Emulation;

/// <summary>
/// A temperature/humidity sensor: every <c>interval</c> it sends a telemetry request
/// <c>{"temperature":21.5,"humidity":45.0}</c> while linked (a tick without a link is skipped and
/// counted, not queued: a sensor's old reading is worth little). Commands are not part of a sensor:
/// anything sent to it is answered <c>unknown_command</c> by the client.
/// </summary>
/// <remarks>
/// The tick is an <see cref="ITimer"/> from the <see cref="TimeProvider"/>, so a test advances a
/// FakeTimeProvider by one interval and gets exactly one reading.
/// </remarks>
public sealed class SensorEmulator : IAsyncDisposable
{
    private readonly SubDeviceClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _firstAfter;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private Task _sending = Task.CompletedTask;
    private double _temperature = 21.5;
    private double _humidity = 45.0;
    private long _sent;
    private long _skipped;

    /// <summary>Creates the sensor on <paramref name="client"/>.</summary>
    /// <param name="client">The linked (or linking) client.</param>
    /// <param name="time">The clock of the ticks.</param>
    /// <param name="interval">Time between readings (&gt; 0).</param>
    /// <param name="firstAfter">Time to the first reading (default: one interval); a fleet spreads its sensors with it.</param>
    /// <param name="random">Source of the readings' random walk.</param>
    public SensorEmulator(SubDeviceClient client, TimeProvider time, TimeSpan interval, TimeSpan? firstAfter = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _client = client;
        _time = time;
        _interval = interval;
        _firstAfter = firstAfter ?? interval;
        _random = random ?? new Random();
    }

    /// <summary>Readings the broker acknowledged.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Ticks without a link, or whose send failed.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Raised after each reading was sent (its args).</summary>
    public event EventHandler<System.Text.Json.JsonElement>? ReadingSent;

    /// <summary>Starts the ticks.</summary>
    public void Start()
    {
        lock (_lock)
        {
            _timer ??= _time.CreateTimer(_ => Tick(), null, _firstAfter, _interval);
        }
    }

    /// <summary>Stops the ticks and waits for a reading in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        Task sending;
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
            sending = _sending;
        }
        await sending.ConfigureAwait(false);
    }

    private void Tick()
    {
        lock (_lock)
        {
            if (_timer is null || !_sending.IsCompleted)
            {
                // Stopped, or the last reading is still on its way: one at a time.
                Interlocked.Increment(ref _skipped);
                return;
            }
            if (!_client.IsLinked)
            {
                Interlocked.Increment(ref _skipped);
                return;
            }
            _temperature = Math.Round(Math.Clamp(_temperature + (_random.NextDouble() - 0.5) * 0.4, -20, 50), 1);
            _humidity = Math.Round(Math.Clamp(_humidity + (_random.NextDouble() - 0.5) * 1.0, 0, 100), 1);
            var values = Telemetry.Json(string.Create(CultureInfo.InvariantCulture, $"{{\"temperature\":{_temperature:0.0},\"humidity\":{_humidity:0.0}}}"));
            _sending = SendAsync(values);
        }
    }

    private async Task SendAsync(System.Text.Json.JsonElement values)
    {
        try
        {
            await _client.SendAsync(Telemetry.Create(values), CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _sent);
            ReadingSent?.Invoke(this, values);
        }
        catch (SubDeviceSendException)
        {
            // The link dropped under us; the client reconnects on its own.
            Interlocked.Increment(ref _skipped);
        }
    }
}
