using System.Threading.Channels;
using Pi.Cloud.Broker;

namespace Pi.Cloud.Tests.Broker;

/// <summary>The session channel as a tape: every call is recorded and can be awaited in order.</summary>
public sealed class RecordingGatewayTraffic : IGatewayTraffic
{
    private readonly Channel<UpRecord> _ups = Channel.CreateUnbounded<UpRecord>();
    private readonly Channel<PresenceRecord> _presence = Channel.CreateUnbounded<PresenceRecord>();

    public int UpCount => _ups.Reader.Count;

    public int PresenceCount => _presence.Reader.Count;

    public ValueTask OnUpAsync(string tid, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        _ups.Writer.WriteAsync(new UpRecord(tid, payload.ToArray()), cancellationToken);

    public ValueTask OnPresenceAsync(string tid, bool online, CancellationToken cancellationToken) =>
        _presence.Writer.WriteAsync(new PresenceRecord(tid, online), cancellationToken);

    public Task<UpRecord> NextUpAsync(string what = "an up packet to reach OnUpAsync") =>
        _ups.Reader.ReadAsync().AsTask().Within(what);

    public Task<PresenceRecord> NextPresenceAsync(string what = "a presence change to reach OnPresenceAsync") =>
        _presence.Reader.ReadAsync().AsTask().Within(what);

    /// <summary>Takes what has arrived so far without waiting.</summary>
    public List<UpRecord> DrainUps()
    {
        var taken = new List<UpRecord>();
        while (_ups.Reader.TryRead(out var record))
        {
            taken.Add(record);
        }
        return taken;
    }

    public List<PresenceRecord> DrainPresence()
    {
        var taken = new List<PresenceRecord>();
        while (_presence.Reader.TryRead(out var record))
        {
            taken.Add(record);
        }
        return taken;
    }
}

public sealed record UpRecord(string Tid, byte[] Payload)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Payload);
}

public sealed record PresenceRecord(string Tid, bool Online);
