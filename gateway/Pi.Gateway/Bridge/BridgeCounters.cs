using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Bridge;

/// <summary>Why the bridge refused something a sub-device did (stable names, used as metric tags).</summary>
public static class BridgeRefusals
{
    /// <summary>Unknown did, wrong password, or a client id that is not the did.</summary>
    public const string BadCredentials = "bad_credentials";

    /// <summary>The did was removed by the cloud or the gateway was reset.</summary>
    public const string Revoked = "revoked";

    /// <summary>The sub-device's key pair expired.</summary>
    public const string KeyExpired = "key_expired";

    /// <summary>A sub-device that never linked connected while the pairing window was closed.</summary>
    public const string PairingClosed = "pairing_closed";

    /// <summary>Too many connections.</summary>
    public const string ServerBusy = "server_busy";

    /// <summary>A publish to a topic the did does not own.</summary>
    public const string ForeignPublish = "foreign_publish";

    /// <summary>A subscription to a topic the did may not read.</summary>
    public const string ForeignSubscribe = "foreign_subscribe";

    /// <summary>An MQTT packet over the size limit (the connection is closed).</summary>
    public const string PacketTooLarge = "packet_too_large";

    /// <summary>An up-packet over the relay's item limit.</summary>
    public const string FrameTooLarge = "frame_too_large";

    /// <summary>More up-packets than the per-device rate allows.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>An up-packet before any hello on this connection.</summary>
    public const string NoLink = "no_link";

    /// <summary>An availability payload other than <c>online</c> or <c>offline</c>.</summary>
    public const string BadAvailability = "bad_availability";

    /// <summary>A hello that is not a valid linkHello.</summary>
    public const string BadHello = "bad_hello";

    /// <summary>A response to no command the gateway is waiting for.</summary>
    public const string UnsolicitedAnswer = "unsolicited_answer";

    /// <summary>A valid message a sub-device does not send.</summary>
    public const string UnexpectedMessage = "unexpected_message";
}

/// <summary>
/// The bridge's counters: an OpenTelemetry-friendly <see cref="Meter"/> (<c>Pi.Gateway.Bridge</c>)
/// and the same numbers in process for tests and the bridge state. Refusals are logged once per
/// did and reason per minute, with the number left unlogged, so a flooding sub-device cannot flood
/// the journal.
/// </summary>
public sealed partial class BridgeCounters : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Pi.Gateway.Bridge";

    private static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _refused;
    private readonly Counter<long> _up;
    private readonly Counter<long> _relayed;
    private readonly ConcurrentDictionary<string, long> _refusals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Did, string Reason), (DateTimeOffset LoggedAt, long Suppressed)> _logged = new();
    private readonly TimeProvider _time;
    private readonly ILogger<BridgeCounters> _logger;
    private long _upPackets;
    private long _relayedItems;

    public BridgeCounters(TimeProvider time, ILogger<BridgeCounters> logger)
    {
        _time = time;
        _logger = logger;
        _refused = _meter.CreateCounter<long>("pi_gateway_bridge_refused", description: "Things sub-devices did that the bridge refused, by reason");
        _up = _meter.CreateCounter<long>("pi_gateway_bridge_up_packets", description: "Up-packets opened and queued for the cloud");
        _relayed = _meter.CreateCounter<long>("pi_gateway_bridge_relayed_items", description: "Queued items the cloud acknowledged");
    }

    /// <summary>Raised after every refusal (did, reason), for tests.</summary>
    public event Action<string, string>? Refused;

    /// <summary>Up-packets accepted so far.</summary>
    public long UpPackets => Interlocked.Read(ref _upPackets);

    /// <summary>Items the cloud acknowledged so far.</summary>
    public long RelayedItems => Interlocked.Read(ref _relayedItems);

    /// <summary>How often <paramref name="reason"/> was refused so far.</summary>
    public long RefusedCount(string reason) => _refusals.GetValueOrDefault(reason);

    /// <summary>Counts (and maybe logs) one refusal.</summary>
    public void Refuse(string did, string reason)
    {
        _refusals.AddOrUpdate(reason, 1, (_, n) => n + 1);
        _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
        var now = _time.GetUtcNow();
        var key = (did, reason);
        var log = false;
        long suppressed = 0;
        _logged.AddOrUpdate(
            key,
            _ =>
            {
                log = true;
                return (now, 0);
            },
            (_, entry) =>
            {
                if (now - entry.LoggedAt >= LogInterval)
                {
                    log = true;
                    suppressed = entry.Suppressed;
                    return (now, 0);
                }
                return (entry.LoggedAt, entry.Suppressed + 1);
            });
        if (_logged.Count > 10_000)
        {
            _logged.Clear(); // a storm of made-up dids: forget, rather than grow without bound
        }
        if (log)
        {
            LogRefused(_logger, did, reason, suppressed);
        }
        Refused?.Invoke(did, reason);
    }

    /// <summary>Counts one accepted up-packet.</summary>
    public void Up()
    {
        Interlocked.Increment(ref _upPackets);
        _up.Add(1);
    }

    /// <summary>Counts items the cloud acknowledged.</summary>
    public void Relayed(int items)
    {
        Interlocked.Add(ref _relayedItems, items);
        _relayed.Add(items);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    [LoggerMessage(EventId = 4310, Level = LogLevel.Warning, Message = "Sub-device {Did} refused: {Reason} ({Suppressed} more since the last report)")]
    private static partial void LogRefused(ILogger logger, string did, string reason, long suppressed);
}
