using Pi.Protocol.Messages;

namespace Pi.App.Provisioning;

/// <summary>How a wifiCredentials request ended.</summary>
public enum WifiOutcomeKind
{
    /// <summary><c>wifiResult {joined:true}</c>: the device joined the router; search again on the router's LAN.</summary>
    Joined = 1,

    /// <summary><c>wifiResult {joined:false}</c>: the join failed (see the reason); the device is back on its softAP and the session goes on.</summary>
    Failed = 2,

    /// <summary>
    /// The connection dropped before the answer (a single radio cannot hold the softAP while it joins;
    /// section 5, rule 5). Search again: on the softAP if the join failed, on the router's LAN if it
    /// worked (deviceInfo's <c>joined</c> tells which).
    /// </summary>
    ConnectionDropped = 3,
}

/// <summary>The outcome of <see cref="ProvisioningSession.JoinWifiAsync"/>.</summary>
/// <param name="Kind">Joined, failed, or dropped before the answer.</param>
/// <param name="Reason">Why the join failed (only for <see cref="WifiOutcomeKind.Failed"/>).</param>
/// <param name="Ip">The device's address on the router's LAN, when it told it.</param>
public sealed record WifiOutcome(WifiOutcomeKind Kind, WifiFailure? Reason = null, string? Ip = null);
