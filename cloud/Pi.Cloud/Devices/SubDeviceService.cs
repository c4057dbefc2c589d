using Pi.Cloud.Accounts;
using Pi.Cloud.Http;
using Pi.Cloud.Sessions;
using Pi.Cloud.Store;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Devices;

/// <summary>
/// Sub-devices under a gateway the caller owns: registration issues a did and its own key pair
/// (never the gateway's), and the gateway is told over its session channel, sealed; removal
/// revokes the keys at once and tells the gateway. What the gateway could not be told now is told
/// when it next comes online.
/// </summary>
public sealed class SubDeviceService
{
    private readonly ICloudStore _store;
    private readonly GatewayService _gateways;
    private readonly SessionRegistry _sessions;
    private readonly GatewaySync _sync;
    private readonly SubDeviceDirectory _directory;
    private readonly GatewayPresence _presence;
    private readonly TimeProvider _time;

    public SubDeviceService(ICloudStore store, GatewayService gateways, SessionRegistry sessions, GatewaySync sync, SubDeviceDirectory directory, GatewayPresence presence, TimeProvider time)
    {
        _store = store;
        _gateways = gateways;
        _sessions = sessions;
        _sync = sync;
        _directory = directory;
        _presence = presence;
        _time = time;
    }

    /// <summary>Registers a sub-device under <paramref name="tid"/>.</summary>
    public async Task<AddSubDeviceResponse> AddAsync(AppCaller caller, string tid, AddSubDeviceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var gateway = await _gateways.RequireOwnedAsync(caller, tid, cancellationToken).ConfigureAwait(false);
        var kind = DeviceIdentity.OptionalText(request.Kind, "kind");
        var name = DeviceIdentity.OptionalText(request.Name, "name");
        var now = _time.GetUtcNow();
        var did = DeviceIdentity.NewDid();
        var keys = await _gateways.NewKeyPairAsync(did, now, KeyPairState.Active, cancellationToken).ConfigureAwait(false);
        var subDevice = new SubDeviceRecord(did, gateway.Tid, kind, name, now, SubDeviceState.Added);
        await _store.AddSubDeviceAsync(subDevice, keys, caller.UserId, cancellationToken).ConfigureAwait(false);
        _directory.Invalidate(did);
        var delivered = _sessions.Find(gateway.Tid) is { } session
            && await _sync.PushSubDeviceAddedAsync(session, subDevice, keys, cancellationToken).ConfigureAwait(false);
        return new AddSubDeviceResponse(did, gateway.Tid, Convert.ToBase64String(keys.AccessKey), Convert.ToBase64String(keys.LocalKey), keys.KeyId, keys.ExpiresAt, delivered);
    }

    /// <summary>Removes a sub-device: its keys stop working now; the gateway revokes it when told.</summary>
    public async Task<RemoveSubDeviceResponse> RemoveAsync(AppCaller caller, string tid, string did, CancellationToken cancellationToken)
    {
        var gateway = await _gateways.RequireOwnedAsync(caller, tid, cancellationToken).ConfigureAwait(false);
        did = await RequireSubDeviceAsync(gateway.Tid, did, cancellationToken).ConfigureAwait(false);
        if (!await _store.MarkSubDeviceRemovedAsync(did, cancellationToken).ConfigureAwait(false))
        {
            throw new CloudApiException(ProtocolErrorCode.UnknownDevice, "no such sub-device under this gateway");
        }
        _directory.Invalidate(did);
        _presence.ForgetSubDevice(did);
        var delivered = _sessions.Find(gateway.Tid) is { } session
            && await _sync.PushSubDeviceRemovedAsync(session, did, cancellationToken).ConfigureAwait(false);
        return new RemoveSubDeviceResponse(did, delivered);
    }

    /// <summary>The did, when it is a live sub-device of <paramref name="tid"/>; unknown_device otherwise.</summary>
    public async Task<string> RequireSubDeviceAsync(string tid, string did, CancellationToken cancellationToken)
    {
        did = DeviceIdentity.Id(did, "did");
        var subDevice = await _store.FindSubDeviceAsync(did, cancellationToken).ConfigureAwait(false);
        if (subDevice is null || subDevice.State == SubDeviceState.Removing || !string.Equals(subDevice.Tid, tid, StringComparison.Ordinal))
        {
            throw new CloudApiException(ProtocolErrorCode.UnknownDevice, "no such sub-device under this gateway");
        }
        return did;
    }
}
