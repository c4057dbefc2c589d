using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// The routers the gateway can offer the APP (S3/H60). The radio cannot scan while it is an access
/// point, so the host scans before it starts the softAP and serves that list; a rescan means taking
/// the softAP down, scanning and bringing it back (the APP's connection may drop meanwhile).
/// </summary>
public interface ISsidSource
{
    /// <summary>The list scanned before the softAP started.</summary>
    Task<IReadOnlyList<SsidEntry>> GetNetworksAsync(CancellationToken cancellationToken);

    /// <summary>A fresh scan (the APP asked for it with <c>getSsidList {rescan:true}</c>).</summary>
    Task<IReadOnlyList<SsidEntry>> RescanAsync(CancellationToken cancellationToken);
}
