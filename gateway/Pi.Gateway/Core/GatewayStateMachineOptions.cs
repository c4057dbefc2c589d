using System.Globalization;

namespace Pi.Gateway.Core;

/// <summary>
/// The state machine's settings (section <see cref="SectionName"/>). Validated by
/// <see cref="Validate"/>; the machine refuses invalid options.
/// </summary>
public sealed record GatewayStateMachineOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway:StateMachine";

    /// <summary>The longest timer the machine starts; longer waits are re-armed (timers survive wall-clock steps this way).</summary>
    public static readonly TimeSpan MaxTimerDuration = TimeSpan.FromDays(1);

    /// <summary>Provisioning that has not reached Online by then is rolled back. Default 10 min.</summary>
    public TimeSpan FailSafeTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a Wi-Fi join may take. Default 45 s.</summary>
    public TimeSpan WifiJoinTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>Added to <see cref="WifiJoinTimeout"/> for the machine's own guard timer. Default 15 s.</summary>
    public TimeSpan CompletionGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Guard on a login: no answer in time is a transient failure. Default 60 s.</summary>
    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First reconnect delay. Default 1 s.</summary>
    public TimeSpan BackoffInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Reconnect delays double up to this. Default 5 min.</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Fraction (0..1) taken off each delay at random: a delay is in [d·(1-j), d]. Default 0.5.</summary>
    public double BackoffJitter { get; init; } = 0.5;

    /// <summary>Consecutive bad_credentials answers after which the keys count as revoked (KeyExpired, softAP). Default 3.</summary>
    public int BadCredentialsLimit { get; init; } = 3;

    /// <summary>Login retry period while the service period is over. Default 1 day.</summary>
    public TimeSpan ServiceRetryInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The LEDs warn this long before the key pair expires (the seed's example: 15 days).</summary>
    public TimeSpan KeyExpiryWarning { get; init; } = TimeSpan.FromDays(15);

    /// <summary>Bound on waiting for resetUnbindResult. Default 10 s.</summary>
    public TimeSpan ResetUnbindTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on a factory-reset wipe; past it the machine faults. Default 30 s.</summary>
    public TimeSpan WipeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pairing window opened by a short press. Default 120 s.</summary>
    public TimeSpan PairingWindow { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Longest pairing window the cloud may ask for. Default 10 min.</summary>
    public TimeSpan MaxPairingWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Heartbeat period (keep it below half of systemd's WatchdogSec). Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Every problem with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Timer(string name, TimeSpan value)
        {
            if (value <= TimeSpan.Zero || value > MaxTimerDuration)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be more than 0 and at most {MaxTimerDuration} (is {value})"));
            }
        }

        Timer(nameof(FailSafeTimeout), FailSafeTimeout);
        Timer(nameof(WifiJoinTimeout), WifiJoinTimeout);
        Timer(nameof(LoginTimeout), LoginTimeout);
        Timer(nameof(BackoffInitial), BackoffInitial);
        Timer(nameof(BackoffMax), BackoffMax);
        Timer(nameof(ServiceRetryInterval), ServiceRetryInterval);
        Timer(nameof(ResetUnbindTimeout), ResetUnbindTimeout);
        Timer(nameof(WipeTimeout), WipeTimeout);
        Timer(nameof(PairingWindow), PairingWindow);
        Timer(nameof(MaxPairingWindow), MaxPairingWindow);
        Timer(nameof(HeartbeatInterval), HeartbeatInterval);
        if (CompletionGrace < TimeSpan.Zero || CompletionGrace > TimeSpan.FromHours(1))
        {
            problems.Add($"{nameof(CompletionGrace)} must be between 0 and 1 hour");
        }
        if (WifiJoinTimeout + CompletionGrace > MaxTimerDuration)
        {
            problems.Add($"{nameof(WifiJoinTimeout)} + {nameof(CompletionGrace)} must be at most {MaxTimerDuration}");
        }
        if (BackoffInitial > BackoffMax)
        {
            problems.Add($"{nameof(BackoffInitial)} must not exceed {nameof(BackoffMax)}");
        }
        if (!(BackoffJitter is >= 0 and <= 1))
        {
            problems.Add($"{nameof(BackoffJitter)} must be between 0 and 1");
        }
        if (BadCredentialsLimit is < 1 or > 100)
        {
            problems.Add($"{nameof(BadCredentialsLimit)} must be between 1 and 100");
        }
        if (KeyExpiryWarning <= TimeSpan.Zero || KeyExpiryWarning > TimeSpan.FromDays(3650))
        {
            problems.Add($"{nameof(KeyExpiryWarning)} must be more than 0 and at most 3650 days");
        }
        if (PairingWindow > MaxPairingWindow)
        {
            problems.Add($"{nameof(PairingWindow)} must not exceed {nameof(MaxPairingWindow)}");
        }
        if (HeartbeatInterval > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{nameof(HeartbeatInterval)} must be at most 10 minutes (the watchdog would fire first)");
        }
        // A fail-safe shorter than one join plus one login would roll back every provisioning.
        if (FailSafeTimeout <= WifiJoinTimeout + CompletionGrace + LoginTimeout)
        {
            problems.Add($"{nameof(FailSafeTimeout)} must exceed {nameof(WifiJoinTimeout)} + {nameof(CompletionGrace)} + {nameof(LoginTimeout)}");
        }
        return problems;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem, if any.</summary>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid gateway state machine options: " + string.Join("; ", problems));
        }
    }
}
