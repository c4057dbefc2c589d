using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Core;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Core.Support;

/// <summary>
/// Drives a <see cref="GatewayStateMachine"/> the way the host will: events stamped with a
/// <see cref="FakeTimeProvider"/>'s time, the machine's timers run on that clock (Advance fires them
/// in due order, each at its due time), and after every step the commands are applied to a strict
/// <see cref="ActuatorModel"/> and the <see cref="Invariants"/> are checked.
/// </summary>
internal sealed class Harness
{
    public static readonly DateTimeOffset Epoch = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public Harness(GatewayStateMachineOptions? options = null, Func<double>? jitter = null)
    {
        Options = options ?? new GatewayStateMachineOptions();
        Machine = new GatewayStateMachine(Options, jitter ?? (() => 0.0));
    }

    public GatewayStateMachineOptions Options { get; }

    public GatewayStateMachine Machine { get; }

    public FakeTimeProvider Clock { get; } = new(Epoch);

    public ActuatorModel Model { get; } = new();

    public List<(GatewayEvent Event, GatewayTransition Step)> History { get; } = [];

    public DateTimeOffset Now => Clock.GetUtcNow();

    public GatewayState State => Machine.State;

    public GatewaySnapshot Snapshot => Machine.Snapshot;

    public GatewayTransition Last => History[^1].Step;

    /// <summary>The last step's commands less logs and the health report.</summary>
    public IReadOnlyList<GatewayCommand> Actions => Significant(Last);

    public static IReadOnlyList<GatewayCommand> Significant(GatewayTransition step) =>
        [.. step.Commands.Where(c => c is not (Log or ReportHealth))];

    public GatewayTransition Send(GatewayEvent input)
    {
        var step = Machine.Handle(input);
        History.Add((input, step));
        Model.Apply(input, step, Now);
        Invariants.Check(Machine.Snapshot, Model);
        return step;
    }

    public GatewayTransition Send(Func<DateTimeOffset, GatewayEvent> make) => Send(make(Now));

    /// <summary>Fires an armed timer now (whatever its due time).</summary>
    public GatewayTransition Fire(GatewayTimer timer) =>
        Model.Timers.TryGetValue(timer, out var armed)
            ? Send(new TimerFired(Now, timer, armed.Sequence))
            : throw new InvalidOperationException($"{timer} is not armed");

    /// <summary>Moves the clock on, firing every timer that falls due on the way at its due time.</summary>
    public void Advance(TimeSpan by)
    {
        var target = Now + by;
        while (Model.Timers.Where(t => t.Value.Due <= target).OrderBy(t => t.Value.Due).ThenBy(t => t.Value.Sequence).FirstOrDefault() is { Value: not null } next)
        {
            if (next.Value.Due > Now)
            {
                Clock.SetUtcNow(next.Value.Due);
            }
            Send(new TimerFired(Now, next.Key, next.Value.Sequence));
        }
        Clock.SetUtcNow(target);
    }

    /// <summary>The step that handled the one event matching <paramref name="match"/>.</summary>
    public GatewayTransition StepOn(Func<GatewayEvent, bool> match) => History.Single(x => match(x.Event)).Step;

    /// <summary>The StartTimer durations of <paramref name="timer"/> so far.</summary>
    public List<TimeSpan> Durations(GatewayTimer timer) =>
        [.. History.SelectMany(h => h.Step.Commands).OfType<StartTimer>().Where(s => s.Timer == timer).Select(s => s.Duration)];

    public List<GatewayCommand> AllCommands() => [.. History.SelectMany(h => h.Step.Commands)];

    // Shorthands for the usual events.
    public GatewayTransition StartFresh(bool resetFlag = false) => Send(n => new Started(n, HasValidRegistration: false, resetFlag, WifiConfigured: false));

    public GatewayTransition StartRegistered(TimeSpan? keyLeft = null) =>
        Send(n => new Started(n, HasValidRegistration: true, ResetFlag: false, WifiConfigured: true, n + (keyLeft ?? TimeSpan.FromDays(365)), n + TimeSpan.FromDays(730)));

    public GatewayTransition Credentials(string ssid = "home-router") => Send(n => new WifiCredentialsReceived(n, ssid, new SecretString("correct horse")));

    public GatewayTransition Joined() => Send(n => new WifiJoined(n, "192.168.1.20"));

    public GatewayTransition JoinFailed(WifiFailure reason = WifiFailure.WrongPassword) => Send(n => new WifiJoinFailed(n, reason));

    public GatewayTransition LoginOk(TimeSpan? keyLeft = null, TimeSpan? sessionLeft = null) =>
        Send(n => new LoginSucceeded(n, n + (keyLeft ?? TimeSpan.FromDays(365)), n + (sessionLeft ?? TimeSpan.FromHours(24)), n + TimeSpan.FromDays(730)));

    public GatewayTransition LoginFails(LoginFailureKind kind) => Send(n => new LoginFailed(n, kind));

    /// <summary>Fresh start, APP session, Wi-Fi joined, registration stored: LoggingIn.</summary>
    public void ProvisionUntilLogin()
    {
        StartFresh();
        Send(n => new AppSessionStarted(n));
        Credentials();
        Joined();
        Send(n => new RegistrationStored(n));
    }

    /// <summary>Registered boot and a login: Online.</summary>
    public void BootOnline(TimeSpan? keyLeft = null)
    {
        StartRegistered(keyLeft);
        LoginOk(keyLeft);
        Send(n => new SessionConnected(n));
    }
}
