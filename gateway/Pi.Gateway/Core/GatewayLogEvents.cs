using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Core;

/// <summary>Event ids of the machine's <see cref="Log"/> commands (range 2100-2199).</summary>
public static class GatewayLogEvents
{
    /// <summary>The state changed.</summary>
    public static readonly EventId StateChanged = new(2100, nameof(StateChanged));

    /// <summary>An event did not apply in the current state.</summary>
    public static readonly EventId EventIgnored = new(2101, nameof(EventIgnored));

    /// <summary>A state file was corrupt at start: softAP.</summary>
    public static readonly EventId CorruptState = new(2102, nameof(CorruptState));

    /// <summary>The fail-safe fired: provisioning rolled back.</summary>
    public static readonly EventId ProvisioningRolledBack = new(2103, nameof(ProvisioningRolledBack));

    /// <summary>A Wi-Fi join failed.</summary>
    public static readonly EventId WifiJoinFailed = new(2104, nameof(WifiJoinFailed));

    /// <summary>A login failed.</summary>
    public static readonly EventId LoginFailed = new(2105, nameof(LoginFailed));

    /// <summary>The cloud rejected the credentials too often: they count as revoked.</summary>
    public static readonly EventId CredentialsRejected = new(2106, nameof(CredentialsRejected));

    /// <summary>A reconnect was scheduled.</summary>
    public static readonly EventId ReconnectScheduled = new(2107, nameof(ReconnectScheduled));

    /// <summary>A factory reset started or moved on.</summary>
    public static readonly EventId Reset = new(2108, nameof(Reset));

    /// <summary>The machine faulted.</summary>
    public static readonly EventId Fault = new(2109, nameof(Fault));

    /// <summary>The key pair reached its expiry by the gateway's clock.</summary>
    public static readonly EventId KeyExpiry = new(2110, nameof(KeyExpiry));

    /// <summary>A short press came while not online.</summary>
    public static readonly EventId ShortPressIgnored = new(2111, nameof(ShortPressIgnored));
}
