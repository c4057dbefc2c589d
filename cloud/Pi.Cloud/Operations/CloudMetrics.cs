using System.Diagnostics.Metrics;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Operations;

/// <summary>
/// The cloud's own instruments, on the <c>Pi.Cloud</c> meter, named by OpenTelemetry conventions
/// (exported to Prometheus as <c>pi_cloud_packets_in_total</c> and so on). Tag values come from a
/// small fixed vocabulary (error names, "mqtt"/"http", outcomes), never from ids or user input, so the
/// number of series stays bounded.
/// </summary>
public sealed class CloudMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Pi.Cloud";

    /// <summary>Instrument names.</summary>
    public const string PacketsInName = "pi.cloud.packets.in",
        PacketsOutName = "pi.cloud.packets.out",
        RefusalsName = "pi.cloud.refusals",
        LoginsName = "pi.cloud.logins",
        CommandsName = "pi.cloud.commands",
        SessionsOnlineName = "pi.cloud.sessions.online",
        RelaysName = "pi.cloud.relays",
        RelayItemsName = "pi.cloud.relay.items",
        RelayDroppedName = "pi.cloud.relay.dropped";

    /// <summary>Values of the <c>outcome</c> tag of <see cref="RelayItemsName"/>.</summary>
    public const string RelayHandled = "handled",
        RelayDuplicate = "duplicate",
        RelayForeignDid = "foreign_did",
        RelayUnknownNotification = "unknown_notification",
        RelayIgnoredAnswer = "ignored_answer";

    /// <summary>Values of the <c>source</c> tag of <see cref="RefusalsName"/>.</summary>
    public const string SourceMqtt = "mqtt", SourceHttp = "http";

    private readonly Counter<long> _packetsIn;
    private readonly Counter<long> _packetsOut;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _commands;
    private readonly Counter<long> _relays;
    private readonly Counter<long> _relayItems;
    private readonly Counter<long> _relayDropped;
    private Func<long>? _sessionsOnline;

    /// <summary>Creates the meter through <paramref name="meterFactory"/>, which owns and disposes it.</summary>
    public CloudMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);
        _packetsIn = Meter.CreateCounter<long>(PacketsInName, "{packet}", "Session-channel packets received from gateways.");
        _packetsOut = Meter.CreateCounter<long>(PacketsOutName, "{packet}", "Session-channel packets sent to gateways.");
        _refusals = Meter.CreateCounter<long>(RefusalsName, "{refusal}", "Requests and packets refused, by error name (reason) and transport (source).");
        _logins = Meter.CreateCounter<long>(LoginsName, "{login}", "Gateway and APP logins, by outcome.");
        _commands = Meter.CreateCounter<long>(CommandsName, "{command}", "Commands sent to gateways, by outcome.");
        _relays = Meter.CreateCounter<long>(RelaysName, "{relay}", "Relay messages from gateways handled and acknowledged.");
        _relayItems = Meter.CreateCounter<long>(RelayItemsName, "{item}", "Relay items, by outcome (handled, duplicate, foreign_did, unknown_notification, ignored_answer).");
        _relayDropped = Meter.CreateCounter<long>(RelayDroppedName, "{packet}", "Up-packets the gateways' offline queues reported dropped.");
        Meter.CreateObservableUpDownCounter(SessionsOnlineName, ObserveSessionsOnline, "{session}", "Gateway sessions connected now.");
    }

    /// <summary>The meter (for listeners in tests; exporters find it by <see cref="MeterName"/>).</summary>
    public Meter Meter { get; }

    /// <summary>
    /// Where <see cref="SessionsOnlineName"/> reads the number of connected sessions; set once by the
    /// host when its broker is up. Until then the instrument reports nothing.
    /// </summary>
    public Func<long>? SessionsOnline
    {
        get => Volatile.Read(ref _sessionsOnline);
        set => Volatile.Write(ref _sessionsOnline, value);
    }

    /// <summary>A session-channel packet arrived.</summary>
    public void PacketIn() => _packetsIn.Add(1);

    /// <summary>A session-channel packet was sent.</summary>
    public void PacketOut() => _packetsOut.Add(1);

    /// <summary>A request or packet was refused; <paramref name="reason"/> is an error name, <paramref name="source"/> "mqtt" or "http".</summary>
    public void Refused(string reason, string source) => Refused(reason, source, 1);

    /// <summary><paramref name="count"/> packets or items were refused for the same reason.</summary>
    public void Refused(string reason, string source, long count) =>
        _refusals.Add(count, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("source", source));

    /// <summary>A request or packet was refused with a protocol error.</summary>
    public void Refused(ProtocolErrorCode code, string source) => Refused(ProtocolErrors.Name(code), source);

    /// <summary>A login ended with <paramref name="outcome"/> ("ok" or an error name).</summary>
    public void Login(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A command to a gateway ended with <paramref name="outcome"/> ("ok" or an error name).</summary>
    public void Command(string outcome) => _commands.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A relay was handled (and acknowledged).</summary>
    public void Relay() => _relays.Add(1);

    /// <summary><paramref name="count"/> relay items ended with <paramref name="outcome"/> (one of the Relay* constants).</summary>
    public void RelayItems(string outcome, long count)
    {
        if (count > 0)
        {
            _relayItems.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>A gateway reported <paramref name="count"/> up-packets dropped by its queue.</summary>
    public void RelayDropped(long count)
    {
        if (count > 0)
        {
            _relayDropped.Add(count);
        }
    }

    private IEnumerable<Measurement<long>> ObserveSessionsOnline() =>
        SessionsOnline is { } read ? [new Measurement<long>(read())] : [];
}
