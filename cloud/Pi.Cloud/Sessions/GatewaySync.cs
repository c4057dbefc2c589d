using Pi.Cloud.Store;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Sessions;

/// <summary>
/// Tells a gateway what changed while it may not have been listening: sub-devices added or
/// removed by the APP and a key rotation in progress. Each message is sent once per session until
/// the gateway acknowledges it; what was not acknowledged is sent again when it next comes online.
/// </summary>
public sealed class GatewaySync
{
    private readonly PendingReplies _pending;
    private readonly DownLink _down;
    private readonly ICloudStore _store;

    public GatewaySync(PendingReplies pending, DownLink down, ICloudStore store)
    {
        _pending = pending;
        _down = down;
        _store = store;
    }

    /// <summary>Sends every unacknowledged sub-device change and a pending key rotation.</summary>
    public async Task PushOutstandingAsync(GatewaySession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        foreach (var subDevice in await _store.GetSubDevicesAsync(session.Tid, cancellationToken).ConfigureAwait(false))
        {
            if (subDevice.State == SubDeviceState.Added)
            {
                var keys = await _store.GetLiveKeyPairsAsync(subDevice.Did, cancellationToken).ConfigureAwait(false);
                if (keys.Count > 0)
                {
                    await PushSubDeviceAddedAsync(session, subDevice, keys[0], cancellationToken).ConfigureAwait(false);
                }
            }
            else if (subDevice.State == SubDeviceState.Removing)
            {
                await PushSubDeviceRemovedAsync(session, subDevice.Did, cancellationToken).ConfigureAwait(false);
            }
        }
        var live = await _store.GetLiveKeyPairsAsync(session.Tid, cancellationToken).ConfigureAwait(false);
        if (live.FirstOrDefault(k => k.State == KeyPairState.Pending) is { } rotation)
        {
            await PushKeyRotationAsync(session, rotation, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends subDeviceAdded (with the sub-device's keys) unless one is outstanding. True when sent.</summary>
    public Task<bool> PushSubDeviceAddedAsync(GatewaySession session, SubDeviceRecord subDevice, KeyPairRecord keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subDevice);
        ArgumentNullException.ThrowIfNull(keys);
        return PushAsync(session, PendingKind.SubDeviceAdded, subDevice.Did, null, txn => new SubDeviceAdded(
            txn, subDevice.Did, new SymmetricKey(keys.AccessKey), new SymmetricKey(keys.LocalKey), keys.KeyId, keys.ExpiresAt, subDevice.Kind), cancellationToken);
    }

    /// <summary>Sends subDeviceRemoved unless one is outstanding. True when sent.</summary>
    public Task<bool> PushSubDeviceRemovedAsync(GatewaySession session, string did, CancellationToken cancellationToken) =>
        PushAsync(session, PendingKind.SubDeviceRemoved, did, null, txn => new SubDeviceRemoved(txn, did), cancellationToken);

    /// <summary>Sends keyRotation with the pending key pair unless one is outstanding. True when sent.</summary>
    public Task<bool> PushKeyRotationAsync(GatewaySession session, KeyPairRecord pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return PushAsync(session, PendingKind.KeyRotation, null, pending.KeyId, txn => new KeyRotation(
            txn, pending.KeyId, new SymmetricKey(pending.AccessKey), new SymmetricKey(pending.LocalKey), pending.ExpiresAt), cancellationToken);
    }

    private async Task<bool> PushAsync(GatewaySession session, PendingKind kind, string? did, uint? keyId, Func<string, SessionMessage> create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_pending.IsOutstanding(session.Tid, kind, did, keyId))
        {
            return false;
        }
        var pending = _pending.Register(session.Tid, kind, did, keyId);
        var sent = false;
        try
        {
            sent = await _down.SendAsync(session, create(pending.Txn), null, cancellationToken).ConfigureAwait(false);
            return sent;
        }
        finally
        {
            if (!sent)
            {
                _pending.Remove(pending);
            }
        }
    }
}
