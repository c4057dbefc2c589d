using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Provisioning;

/// <summary>What every connection of one run shares.</summary>
internal sealed class SessionServices(
    ProvisioningServerOptions options,
    PendingSessions pending,
    SessionGate gate,
    IProvisioningHandler handler,
    ISsidSource ssids,
    RefusalLog refusals,
    ILogger logger,
    TimeProvider time,
    Func<long> nextSessionId)
{
    public ProvisioningServerOptions Options { get; } = options;

    public PendingSessions Pending { get; } = pending;

    public SessionGate Gate { get; } = gate;

    public IProvisioningHandler Handler { get; } = handler;

    public ISsidSource Ssids { get; } = ssids;

    public RefusalLog Refusals { get; } = refusals;

    public ILogger Logger { get; } = logger;

    public TimeProvider Time { get; } = time;

    public long NextSessionId() => nextSessionId();
}
