using Pi.Gateway.State;

namespace Pi.Gateway.Tests.Cloud;

/// <summary>An in-memory state store for tests of the cloud client (the file store has its own tests).</summary>
internal sealed class MemoryStateStore : IGatewayStateStore
{
    private readonly Lock _gate = new();
    private GatewayRegistration? _registration;
    private IReadOnlyList<SubDeviceCredentials> _subDevices = [];
    private bool _resetFlag;

    public List<GatewayRegistration> SavedRegistrations { get; } = [];

    public GatewayRegistration? Registration
    {
        get
        {
            lock (_gate)
            {
                return _registration;
            }
        }
        set
        {
            lock (_gate)
            {
                _registration = value;
            }
        }
    }

    public IReadOnlyList<SubDeviceCredentials> SubDevices
    {
        get
        {
            lock (_gate)
            {
                return _subDevices;
            }
        }
    }

    public GatewayIdentity? Identity { get; private set; }

    public Task<GatewayIdentity> LoadOrCreateIdentityAsync(string mac, string? serialNumber, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Identity ??= new GatewayIdentity(
                Guid.NewGuid().ToString("D"), serialNumber ?? "PI-TEST", mac,
                new Pi.Protocol.Crypto.SecretString("VC-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))),
                Pi.Protocol.Crypto.SetupCode.Generate(), DateTimeOffset.UtcNow);
            return Task.FromResult(Identity);
        }
    }

    public bool ResetFlag => _resetFlag;

    public Task<StateLoad<GatewayRegistration>> LoadRegistrationAsync(CancellationToken cancellationToken)
    {
        var value = Registration;
        return Task.FromResult(new StateLoad<GatewayRegistration>(value is null ? StateFileStatus.Missing : StateFileStatus.Loaded, value));
    }

    public Task SaveRegistrationAsync(GatewayRegistration registration, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _registration = registration;
            SavedRegistrations.Add(registration);
        }
        return Task.CompletedTask;
    }

    public Task<StateLoad<IReadOnlyList<SubDeviceCredentials>>> LoadSubDevicesAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new StateLoad<IReadOnlyList<SubDeviceCredentials>>(StateFileStatus.Loaded, SubDevices));

    public Task SaveSubDevicesAsync(IReadOnlyList<SubDeviceCredentials> subDevices, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _subDevices = subDevices;
        }
        return Task.CompletedTask;
    }

    public Task<bool> LoadResetFlagAsync(CancellationToken cancellationToken) => Task.FromResult(_resetFlag);

    public Task SaveResetFlagAsync(bool resetFlag, CancellationToken cancellationToken)
    {
        _resetFlag = resetFlag;
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
