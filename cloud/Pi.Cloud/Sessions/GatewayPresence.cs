using System.Collections.Concurrent;
using System.Text.Json;

namespace Pi.Cloud.Sessions;

/// <summary>What the cloud last heard from a gateway.</summary>
public sealed record GatewayStatus(bool Online, DateTimeOffset? LastSeenAt, JsonElement? State);

/// <summary>The last telemetry a sub-device sent through its gateway.</summary>
public sealed record Telemetry(string Did, DateTimeOffset ReceivedAt, JsonElement? Payload);

/// <summary>
/// In-memory view of who is connected, what each gateway last reported (state) and the last
/// telemetry of each sub-device. Last-seen times also go to the store (at most once a minute per
/// gateway) so the APP sees them across restarts.
/// </summary>
public sealed class GatewayPresence
{
    /// <summary>How often last-seen is written to the store per gateway.</summary>
    public static readonly TimeSpan StoreInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _gateways = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Telemetry> _telemetry = new(StringComparer.Ordinal);

    /// <summary>Raised when a gateway's connection state is set (for live views).</summary>
    public event Action<string, bool>? OnlineChanged;

    /// <summary>Raised when telemetry arrives (for live views).</summary>
    public event Action<string, Telemetry>? TelemetryReceived;

    /// <summary>Gateways connected now.</summary>
    public int OnlineCount => _gateways.Values.Count(e => e.Online);

    /// <summary>Sets a gateway's connection state.</summary>
    public void SetOnline(string tid, bool online, DateTimeOffset now)
    {
        _gateways.AddOrUpdate(tid, _ => new Entry { Online = online, LastSeenAt = now }, (_, e) => e with { Online = online, LastSeenAt = now });
        OnlineChanged?.Invoke(tid, online);
    }

    /// <summary>
    /// Notes an authentic packet from a gateway. True when last-seen should now be written to the store.
    /// </summary>
    public bool Seen(string tid, DateTimeOffset now)
    {
        var write = false;
        _gateways.AddOrUpdate(
            tid,
            _ =>
            {
                write = true;
                return new Entry { Online = true, LastSeenAt = now, StoredAt = now };
            },
            (_, e) =>
            {
                write = e.StoredAt is not { } stored || now - stored >= StoreInterval;
                return e with { Online = true, LastSeenAt = now, StoredAt = write ? now : e.StoredAt };
            });
        return write;
    }

    /// <summary>Keeps a gateway's last reported state.</summary>
    public void SetState(string tid, JsonElement? state, DateTimeOffset now) =>
        _gateways.AddOrUpdate(tid, _ => new Entry { Online = true, LastSeenAt = now, State = state?.Clone() }, (_, e) => e with { State = state?.Clone() });

    /// <summary>Raised when a relay says a sub-device went online (true) or offline (false), after it is stored.</summary>
    public event Action<string, string, bool>? SubDeviceAvailabilityChanged;

    /// <summary>
    /// Keeps a sub-device's last telemetry (the newest by <paramref name="at"/>: relayed telemetry
    /// may be older than what came directly) and raises <see cref="TelemetryReceived"/> either way.
    /// </summary>
    public void RecordTelemetry(string tid, string did, JsonElement? payload, DateTimeOffset at)
    {
        var telemetry = new Telemetry(did, at, payload?.Clone());
        _telemetry.AddOrUpdate(did, telemetry, (_, old) => old.ReceivedAt > at ? old : telemetry);
        TelemetryReceived?.Invoke(tid, telemetry);
    }

    /// <summary>Raises <see cref="SubDeviceAvailabilityChanged"/> (the store keeps the state).</summary>
    public void RecordAvailability(string tid, string did, bool online) =>
        SubDeviceAvailabilityChanged?.Invoke(tid, did, online);

    /// <summary>A gateway's status.</summary>
    public GatewayStatus Get(string tid) =>
        _gateways.TryGetValue(tid, out var e) ? new GatewayStatus(e.Online, e.LastSeenAt, e.State) : new GatewayStatus(false, null, null);

    /// <summary>A sub-device's last telemetry.</summary>
    public Telemetry? GetTelemetry(string did) => _telemetry.GetValueOrDefault(did);

    /// <summary>Forgets sub-devices (removed or reset).</summary>
    public void ForgetSubDevice(string did) => _telemetry.TryRemove(did, out _);

    private sealed record Entry
    {
        public bool Online { get; init; }

        public DateTimeOffset? LastSeenAt { get; init; }

        public DateTimeOffset? StoredAt { get; init; }

        public JsonElement? State { get; init; }
    }
}
