using Microsoft.Extensions.Logging;
using Pi.Protocol.Messages;
using Pi.SubDevice.Client;

namespace Pi.SubDevice.Emulation;

/// <summary>One emulated sub-device: its client and what it emulates.</summary>
internal sealed record FleetMember(SubDeviceClient Client, SensorEmulator? Sensor, SwitchEmulator? Switch);

/// <summary>
/// Many emulated sub-devices in one process, sharing one <see cref="TimeProvider"/>. Connects are
/// staggered (<c>stagger</c> apart) so a fleet does not knock on the broker all at once, and sensors
/// are spread over their interval for the same reason.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    private readonly List<FleetMember> _members = [];
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _allLinked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _linkedOnce;

    public Fleet(IEnumerable<(SubDeviceInfo Info, bool IsSwitch)> devices, string? brokerOverride, TimeSpan interval, TimeProvider time, ILoggerFactory loggers, Func<string, SubDeviceClientOptions, SubDeviceClientOptions>? tune = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        _time = time;
        var logger = loggers.CreateLogger("Pi.SubDevice");
        var random = new Random();
        foreach (var (info, isSwitch) in devices)
        {
            var broker = BrokerEndpoint.Parse(brokerOverride ?? info.Broker, info.BrokerFingerprint);
            var options = new SubDeviceClientOptions(info.Did, info.LocalKey, broker);
            options = tune?.Invoke(info.Did, options) ?? options;
            var client = new SubDeviceClient(options, time, logger);
            client.Linked += OnFirstLink;
            SensorEmulator? sensor = null;
            SwitchEmulator? @switch = null;
            if (isSwitch)
            {
                @switch = new SwitchEmulator(client);
            }
            else
            {
                sensor = new SensorEmulator(client, time, interval, TimeSpan.FromTicks((long)(interval.Ticks * (0.1 + 0.9 * random.NextDouble()))));
            }
            _members.Add(new FleetMember(client, sensor, @switch));
        }
    }

    public IReadOnlyList<FleetMember> Members => _members;

    /// <summary>Completes when every member linked at least once.</summary>
    public Task AllLinked => _allLinked.Task;

    public int LinkedCount => _members.Count(m => m.Client.IsLinked);

    /// <summary>Starts every member, <paramref name="stagger"/> apart; returns when all are started.</summary>
    public async Task StartAsync(TimeSpan stagger, CancellationToken cancellationToken)
    {
        if (_members.Count == 0)
        {
            _allLinked.TrySetResult();
        }
        for (var i = 0; i < _members.Count; i++)
        {
            if (i > 0 && stagger > TimeSpan.Zero)
            {
                await Task.Delay(stagger, _time, cancellationToken).ConfigureAwait(false);
            }
            await _members[i].Client.StartAsync(cancellationToken).ConfigureAwait(false);
            _members[i].Sensor?.Start();
        }
    }

    /// <summary>Clean stop of every member (offline retained, disconnect), in parallel.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_members.Select(async member =>
        {
            if (member.Sensor is { } sensor)
            {
                await sensor.DisposeAsync().ConfigureAwait(false);
            }
            await member.Client.DisposeAsync().ConfigureAwait(false);
        })).ConfigureAwait(false);
    }

    /// <summary>Totals over the fleet, one line for people.</summary>
    public string Summary()
    {
        long sent = 0, received = 0, dropped = 0, commands = 0, refusals = 0;
        foreach (var member in _members)
        {
            var c = member.Client.Counters;
            sent += c.Sent;
            received += c.Received;
            dropped += c.Dropped;
            commands += c.CommandsHandled;
            refusals += c.Refusals;
        }
        return $"linked {LinkedCount}/{_members.Count}, sent {sent}, received {received}, commands {commands}, dropped {dropped}, refusals {refusals}";
    }

    private void OnFirstLink(object? sender, LinkedInfo info)
    {
        // Counted once per member: later links (reconnects) do not count again.
        if (sender is SubDeviceClient client)
        {
            client.Linked -= OnFirstLink;
        }
        if (Interlocked.Increment(ref _linkedOnce) == _members.Count)
        {
            _allLinked.TrySetResult();
        }
    }
}
