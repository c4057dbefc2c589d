using System.Collections.Concurrent;
using Pi.Cloud.Store;

namespace Pi.Cloud.Sessions;

/// <summary>
/// Which gateway each live sub-device belongs to, cached from the store so that bridged traffic
/// does not cost a query per packet. Invalidated whenever a sub-device is added, removed or reset.
/// </summary>
public sealed class SubDeviceDirectory
{
    private readonly ConcurrentDictionary<string, string?> _gatewayOf = new(StringComparer.Ordinal);
    private readonly ICloudStore _store;

    public SubDeviceDirectory(ICloudStore store) => _store = store;

    /// <summary>True when <paramref name="did"/> is a live (added or active) sub-device of <paramref name="tid"/>.</summary>
    public async ValueTask<bool> BelongsToAsync(string did, string tid, CancellationToken cancellationToken)
    {
        if (!_gatewayOf.TryGetValue(did, out var owner))
        {
            var record = await _store.FindSubDeviceAsync(did, cancellationToken).ConfigureAwait(false);
            owner = record is { State: not SubDeviceState.Removing } ? record.Tid : null;
            _gatewayOf[did] = owner;
        }
        return string.Equals(owner, tid, StringComparison.Ordinal);
    }

    /// <summary>
    /// A set holding each of <paramref name="dids"/> (a relay's) that is a live sub-device of
    /// <paramref name="tid"/>, and possibly other sub-devices of it: from the cache when every did is known there, else from one read of the gateway's
    /// sub-devices. Unknown dids are not cached, so a gateway sending made-up dids cannot grow it.
    /// </summary>
    public async ValueTask<HashSet<string>> OwnedAmongAsync(string tid, IEnumerable<string> dids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dids);
        var owned = new HashSet<string>(StringComparer.Ordinal);
        var unknown = false;
        foreach (var did in dids)
        {
            if (!_gatewayOf.TryGetValue(did, out var owner))
            {
                unknown = true;
            }
            else if (string.Equals(owner, tid, StringComparison.Ordinal))
            {
                owned.Add(did);
            }
        }

        if (!unknown)
        {
            return owned;
        }

        foreach (var record in await _store.GetSubDevicesAsync(tid, cancellationToken).ConfigureAwait(false))
        {
            if (record.State != SubDeviceState.Removing)
            {
                _gatewayOf[record.Did] = tid;
                owned.Add(record.Did);
            }
        }

        return owned;
    }

    /// <summary>Forgets what is cached about a sub-device.</summary>
    public void Invalidate(string did) => _gatewayOf.TryRemove(did, out _);

    /// <summary>Forgets every sub-device of a gateway.</summary>
    public void InvalidateGateway(string tid)
    {
        foreach (var (did, owner) in _gatewayOf)
        {
            if (owner == tid)
            {
                _gatewayOf.TryRemove(did, out _);
            }
        }
    }
}
