namespace Pi.Gateway.Core;

/// <summary>
/// The result of one <see cref="GatewayStateMachine.Handle"/>: the state before and after, whether the
/// event applied, and the commands to run in order (the last is always <see cref="ReportHealth"/>).
/// </summary>
public sealed record GatewayTransition(
    GatewayState From,
    GatewayState To,
    EventOutcome Outcome,
    IReadOnlyList<GatewayCommand> Commands);

/// <summary>What the machine knows now (for the state command, logs and tests). Never holds a secret.</summary>
public sealed record GatewaySnapshot(
    GatewayState State,
    ResetPhase ResetPhase,
    LedState? Led,
    bool AccessPointOn,
    bool ProvisioningListenerOn,
    bool SessionOpen,
    bool SessionConnected,
    bool WifiConfigured,
    bool WifiUp,
    bool HasRegistration,
    bool ResetFlag,
    bool ProvisioningPending,
    DateTimeOffset? KeyExpiresAt,
    DateTimeOffset? SessionExpiresAt,
    DateTimeOffset? ServiceExpiresAt,
    int ReconnectAttempt,
    int BadCredentialFailures,
    IReadOnlyList<GatewayTimer> ArmedTimers,
    bool Healthy);
