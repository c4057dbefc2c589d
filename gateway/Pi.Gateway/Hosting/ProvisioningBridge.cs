using System.Collections.Concurrent;
using Pi.Gateway.Core;
using Pi.Gateway.Provisioning;
using Pi.Gateway.State;
using Pi.Gateway.Wifi;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Hosting;

/// <summary>
/// Connects the provisioning server to the state machine: an APP session and the credentials it
/// sends become events; the join the machine then orders is awaited here so the APP hears its
/// result; the registration the APP hands over is stored and reported.
/// </summary>
internal sealed class ProvisioningBridge(GatewayRunner runner, IGatewayStateStore store, IWifiRadio radio, TimeProvider time) : IProvisioningHandler, ISsidSource
{
    private readonly ConcurrentQueue<TaskCompletionSource<JoinResult>> _joins = new();
    private IReadOnlyList<SsidEntry> _networks = [];

    /// <summary>What the last scan (taken before the softAP started) found.</summary>
    public IReadOnlyList<SsidEntry> Networks
    {
        get => Volatile.Read(ref _networks);
        set => Volatile.Write(ref _networks, value);
    }

    public async Task<JoinResult> JoinWifiAsync(string ssid, SecretString password, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<JoinResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _joins.Enqueue(result);
        runner.Post(new WifiCredentialsReceived(time.GetUtcNow(), ssid, password));
        return await result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The machine's join finished (or was refused): the waiting APP hears it.</summary>
    public void CompleteJoin(JoinResult result)
    {
        while (_joins.TryDequeue(out var waiter))
        {
            if (waiter.TrySetResult(result))
            {
                return;
            }
        }
    }

    public async Task<RegistrationStoreResult> StoreRegistrationAsync(RegistrationInfo registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var cloudUrl = registration.CloudUrl ?? runner.DefaultCloudUrl;
        if (string.IsNullOrEmpty(cloudUrl))
        {
            return RegistrationStoreResult.Refused(ProtocolErrorCode.MissingField, "cloudUrl is required: this gateway has no default cloud");
        }
        await store.SaveRegistrationAsync(new GatewayRegistration(
            registration.Tid, registration.Password, registration.AccessKey, registration.LocalKey, registration.KeyId,
            registration.KeyExpiresAt, registration.ServiceExpiresAt, cloudUrl, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        await store.SaveResetFlagAsync(false, cancellationToken).ConfigureAwait(false);
        runner.Post(new RegistrationStored(time.GetUtcNow()));
        return RegistrationStoreResult.Success;
    }

    public void SessionStarted(ProvisioningSession session) => runner.Post(new AppSessionStarted(time.GetUtcNow()));

    public void SessionEnded(ProvisioningSession session, ProvisioningSessionEndReason reason) => runner.Post(new AppSessionEnded(time.GetUtcNow()));

    public Task<IReadOnlyList<SsidEntry>> GetNetworksAsync(CancellationToken cancellationToken) => Task.FromResult(Networks);

    public async Task<IReadOnlyList<SsidEntry>> RescanAsync(CancellationToken cancellationToken)
    {
        // Most radios cannot scan while they are the access point: then the list from before the
        // softAP started is the best there is.
        try
        {
            Networks = await radio.ScanAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (WifiException)
        {
        }
        return Networks;
    }
}
