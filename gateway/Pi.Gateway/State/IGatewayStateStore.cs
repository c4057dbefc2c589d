namespace Pi.Gateway.State;

/// <summary>
/// Everything the gateway keeps, under one data directory (default <c>/var/lib/pi-gateway</c>).
/// Each file is written atomically (temp file, fsync, rename, fsync of the directory) with mode
/// 0600; a crash at any point leaves the old file or the new one, never a mix. A file that is
/// corrupt at start is reported (not thrown), so the gateway falls back to the softAP instead of
/// crash-looping. Secrets never reach logs or exception messages.
/// </summary>
public interface IGatewayStateStore
{
    /// <summary>The identity; created (and persisted) on first call with a new uuid, verification code and setup code.</summary>
    Task<GatewayIdentity> LoadOrCreateIdentityAsync(string mac, string? serialNumber, CancellationToken cancellationToken);

    /// <summary>The registration, if the gateway was provisioned.</summary>
    Task<StateLoad<GatewayRegistration>> LoadRegistrationAsync(CancellationToken cancellationToken);

    /// <summary>Stores the registration (replacing any).</summary>
    Task SaveRegistrationAsync(GatewayRegistration registration, CancellationToken cancellationToken);

    /// <summary>The sub-devices' credentials (empty when none or corrupt).</summary>
    Task<StateLoad<IReadOnlyList<SubDeviceCredentials>>> LoadSubDevicesAsync(CancellationToken cancellationToken);

    /// <summary>Stores the sub-devices' credentials (replacing the list).</summary>
    Task SaveSubDevicesAsync(IReadOnlyList<SubDeviceCredentials> subDevices, CancellationToken cancellationToken);

    /// <summary>True after a factory reset until the next registration (deviceInfo.resetFlag).</summary>
    Task<bool> LoadResetFlagAsync(CancellationToken cancellationToken);

    /// <summary>Sets or clears the reset flag.</summary>
    Task SaveResetFlagAsync(bool resetFlag, CancellationToken cancellationToken);

    /// <summary>Factory reset: deletes the registration and the sub-device keys (the identity stays).</summary>
    Task WipeCredentialsAsync(CancellationToken cancellationToken);
}
