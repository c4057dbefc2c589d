using Pi.Gateway.State;
using Pi.Protocol.Crypto;

namespace Pi.BridgeBench.Targets.PiGateway;

/// <summary>
/// The gateway's state (registration, sub-device keys) in memory, as the gateway's own tests keep it
/// (their MemoryStateStore): the bench measures the bridge, not the state files, which are only
/// written when sub-devices are added (before the measurement).
/// </summary>
internal sealed class BenchStateStore(GatewayRegistration registration) : IGatewayStateStore
{
    private readonly Lock _gate = new();
    private GatewayRegistration? _registration = registration;
    private IReadOnlyList<SubDeviceCredentials> _subDevices = [];
    private GatewayIdentity? _identity;
    private bool _resetFlag;

    public Task<GatewayIdentity> LoadOrCreateIdentityAsync(string mac, string? serialNumber, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _identity ??= new GatewayIdentity(
                Guid.NewGuid().ToString("D"), serialNumber ?? "PI-BENCH", mac,
                new SecretString("VC-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))),
                SetupCode.Generate(), DateTimeOffset.UtcNow);
            return Task.FromResult(_identity);
        }
    }

    public Task<StateLoad<GatewayRegistration>> LoadRegistrationAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(new StateLoad<GatewayRegistration>(_registration is null ? StateFileStatus.Missing : StateFileStatus.Loaded, _registration));
        }
    }

    public Task SaveRegistrationAsync(GatewayRegistration registration, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _registration = registration;
        }
        return Task.CompletedTask;
    }

    public Task<StateLoad<IReadOnlyList<SubDeviceCredentials>>> LoadSubDevicesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(new StateLoad<IReadOnlyList<SubDeviceCredentials>>(StateFileStatus.Loaded, _subDevices));
        }
    }

    public Task SaveSubDevicesAsync(IReadOnlyList<SubDeviceCredentials> subDevices, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _subDevices = subDevices;
        }
        return Task.CompletedTask;
    }

    public Task<bool> LoadResetFlagAsync(CancellationToken cancellationToken) => Task.FromResult(Volatile.Read(ref _resetFlag));

    public Task SaveResetFlagAsync(bool resetFlag, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _resetFlag, resetFlag);
        return Task.CompletedTask;
    }

    public Task WipeCredentialsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _registration = null;
            _subDevices = [];
        }
        return Task.CompletedTask;
    }
}
