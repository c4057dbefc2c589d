using FsCheck;
using FsCheck.Fluent;
using Pi.Gateway.Core;
using Pi.Gateway.Tests.Core.Support;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.Tests.Core;

/// <summary>
/// Random walks through the machine: any sequence of events (mostly ones that apply in the current
/// state, some arbitrary, some stale timer fires) and any passage of time never throws, never leaves
/// the softAP on while Online, keeps the commands consistent at every step (the harness's strict
/// model and invariants), and ends, after Shutdown, with every started timer cancelled or fired.
/// </summary>
public sealed class Gateway_State_Machine_Properties
{
    public enum Move
    {
        /// <summary>An event the transition table handles in the current state (A picks it, B varies it).</summary>
        Relevant,

        /// <summary>Any event at all (A picks the kind), including fires of timers that are not armed.</summary>
        Any,

        /// <summary>Time passes (A picks how long); due timers fire on the way.</summary>
        Wait,

        /// <summary>An armed timer fires now, early (A picks which); or a stale sequence of it (B).</summary>
        FireEarly,
    }

    public readonly record struct Stride(Move Move, int A, int B)
    {
        public override string ToString() => $"{Move}({A},{B})";
    }

    /// <summary>How the walk starts: 0-4 a Started variant, 5 nothing (events before Started).</summary>
    public sealed record Walk(int Start, Stride[] Steps)
    {
        public override string ToString() => $"start {Start}: {string.Join(" ", Steps)}";
    }

    private static readonly TimeSpan[] Waits =
    [
        TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(31),
        TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(11), TimeSpan.FromHours(6),
    ];

    private static readonly TimeSpan[] KeyLefts =
    [
        TimeSpan.FromDays(-2), TimeSpan.FromMinutes(30), TimeSpan.FromHours(7), TimeSpan.FromDays(5),
        TimeSpan.FromDays(15), TimeSpan.FromDays(16), TimeSpan.FromDays(365),
    ];

    private static readonly TimeSpan[] SessionLefts = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(24)];

    private static readonly EventKind[] AllKinds = Enum.GetValues<EventKind>();

    // The events each state handles, from the transition table. Timers fire from Wait and FireEarly
    // moves; Shutdown, FaultReported and ResetLongPress (which end or restart a walk) come only from
    // the rarer arbitrary moves, so walks get deep.
    private static readonly Lazy<Dictionary<GatewayState, EventKind[]>> Relevant = new(() =>
        Transition_Table_Tests.Table
            .GroupBy(row => Situations.Arrange(row.Key).State)
            .ToDictionary(
                g => g.Key,
                g => g.SelectMany(row => row.Value.Select(v => v.Event)).Where(k => k is not (EventKind.Shutdown or EventKind.FaultReported or EventKind.ResetLongPress) && !k.ToString().StartsWith("Timer", StringComparison.Ordinal))
                    .Distinct()
                    .ToArray()));

    private static GatewayStateMachineOptions Options { get; } = new() { HeartbeatInterval = TimeSpan.FromMinutes(10) };

    private static Gen<Stride> StepGen { get; } = Gen.Frequency(
        (6, from a in Gen.Choose(0, 999) from b in Gen.Choose(0, 999) select new Stride(Move.Relevant, a, b)),
        (2, from a in Gen.Choose(0, AllKinds.Length - 1) from b in Gen.Choose(0, 999) select new Stride(Move.Any, a, b)),
        (2, from a in Gen.Choose(0, Waits.Length - 1) select new Stride(Move.Wait, a, 0)),
        (1, from a in Gen.Choose(0, 99) from b in Gen.Choose(0, 9) select new Stride(Move.FireEarly, a, b)));

    private static Gen<Walk> WalkGen { get; } =
        from start in Gen.Frequency((4, Gen.Constant(2)), (5, Gen.Choose(0, 4)), (1, Gen.Constant(5)))
        from steps in Gen.ArrayOf(StepGen)
        select new Walk(start, steps);

    /// <summary>Runs a walk; every step is checked by the harness. Returns the harness for more checks.</summary>
    private static Harness Run(Walk walk, Func<double>? jitter = null)
    {
        var h = new Harness(Options, jitter ?? Jitter(walk));
        var n = h.Now;
        switch (walk.Start)
        {
            case 0: h.Send(new Started(n, false, false, false)); break;
            case 1: h.Send(new Started(n, false, true, false)); break;
            case 2: h.Send(new Started(n, true, false, true, n.AddDays(200), n.AddDays(400))); break;
            case 3: h.Send(new Started(n, true, false, false, n.AddDays(200), n.AddDays(400))); break;
            case 4: h.Send(new Started(n, true, true, true, n.AddDays(3), null, CorruptStateDetected: true)); break;
            default: break;
        }
        foreach (var step in walk.Steps.TakeWhile(_ => h.State != GatewayState.Stopped))
        {
            Apply(h, step);
            var s = h.Snapshot;
            if (s.State is GatewayState.Online or GatewayState.KeyExpiring && (s.AccessPointOn || h.Model.AccessPointOn))
            {
                throw new InvalidOperationException($"the softAP is on while {s.State}");
            }
        }
        return h;
    }

    private static Func<double> Jitter(Walk walk)
    {
        // A deterministic, walk-dependent jitter in [0, 1).
        var x = (uint)(walk.Steps.Length * 2654435761u) ^ (uint)walk.Start;
        return () =>
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            return x / 4294967296.0;
        };
    }

    private static void Apply(Harness h, Stride step)
    {
        switch (step.Move)
        {
            case Move.Relevant:
                var kinds = Relevant.Value.TryGetValue(h.State, out var handled) && handled.Length > 0 ? handled : AllKinds;
                h.Send(Make(kinds[step.A % kinds.Length], h, step.B));
                break;
            case Move.Any:
                h.Send(Make(AllKinds[step.A % AllKinds.Length], h, step.B));
                break;
            case Move.Wait:
                h.Advance(Waits[step.A % Waits.Length]);
                break;
            case Move.FireEarly when h.Model.Timers.Count > 0:
                var armed = h.Model.Timers.OrderBy(t => t.Key).ElementAt(step.A % h.Model.Timers.Count);
                var sequence = step.B == 0 ? armed.Value.Sequence - 1 : armed.Value.Sequence;
                h.Send(new TimerFired(h.Now, armed.Key, sequence));
                break;
            default:
                break;
        }
    }

    /// <summary>The canonical event, varied by <paramref name="b"/> where the variation matters.</summary>
    private static GatewayEvent Make(EventKind kind, Harness h, int b)
    {
        var n = h.Now;
        return kind switch
        {
            EventKind.Started => new Started(n, b % 2 == 0, b % 3 == 0, b % 5 != 0, n + KeyLefts[b % KeyLefts.Length], null, b % 7 == 0),
            EventKind.LoginSucceeded => new LoginSucceeded(n, n + KeyLefts[b % KeyLefts.Length], n + SessionLefts[b / 7 % SessionLefts.Length]),
            EventKind.KeyRotated => new KeyRotated(n, n + KeyLefts[b % KeyLefts.Length]),
            EventKind.PairingRequested => new PairingRequested(n, (b % 4) switch { 0 => null, 1 => TimeSpan.FromSeconds(-1), 2 => TimeSpan.FromSeconds(30), _ => TimeSpan.FromHours(1) }),
            EventKind.WifiCredentialsReceived => new WifiCredentialsReceived(n, "router-" + (b % 3), new SecretString("pw")),
            _ => Situations.Make(kind, h),
        };
    }

    [CoreProperty(MaxTest = 500, EndSize = 120)]
    public Property Any_walk_keeps_the_commands_consistent_and_shutdown_leaves_nothing_running() =>
        Prop.ForAll(WalkGen.ToArbitrary(), walk =>
        {
            var h = Run(walk);
            h.Send(new Shutdown(h.Now));

            Assert.Equal(GatewayState.Stopped, h.State);
            Assert.Empty(h.Model.Timers); // every StartTimer was cancelled or fired
            Assert.False(h.Model.AccessPointOn || h.Model.ListenerOn || h.Model.SessionOpen);
            // Every step reported health, healthy exactly outside Fault.
            Assert.All(h.History, x => Assert.Equal(new ReportHealth(x.Step.To != GatewayState.Fault), x.Step.Commands[^1]));
            // An ignored event changes no actuator, timer or LED.
            Assert.All(h.History.Where(x => x.Step.Outcome == EventOutcome.Ignored), x => Assert.Empty(Harness.Significant(x.Step)));
        });

    [CoreProperty(MaxTest = 100, EndSize = 80)]
    public Property The_machine_is_pure_the_same_walk_gives_the_same_commands() =>
        Prop.ForAll(WalkGen.ToArbitrary(), walk =>
        {
            var first = Run(walk).AllCommands();
            var second = Run(walk).AllCommands();
            Assert.Equal(first, second);
        });

    [CoreProperty(MaxTest = 200)]
    public Property Every_reconnect_delay_lies_within_the_jitter_bounds_and_the_cap() =>
        Prop.ForAll(
            Gen.Choose(0, 100).ToArbitrary(),
            Gen.NonEmptyListOf(Gen.Frequency(
                (8, Gen.Choose(0, 1000).Select(i => i / 1000.0)),
                (1, Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.5, 3.0)))).ToArbitrary(),
            Gen.Choose(1, 15).ToArbitrary(),
            (jitterPercent, randoms, failures) =>
            {
                var jitter = jitterPercent / 100.0;
                var options = new GatewayStateMachineOptions { BackoffJitter = jitter, BackoffInitial = TimeSpan.FromMilliseconds(500), BackoffMax = TimeSpan.FromSeconds(40) };
                var i = 0;
                var h = new Harness(options, () => randoms[i++ % randoms.Count]);
                h.Send(new Started(h.Now, true, false, true));
                for (var attempt = 0; attempt < failures; attempt++)
                {
                    h.Send(new LoginFailed(h.Now, LoginFailureKind.Transient));
                    var delay = h.Model.Timers[GatewayTimer.Reconnect].Duration;
                    var ceiling = ReconnectBackoff.Ceiling(attempt, options.BackoffInitial, options.BackoffMax);
                    Assert.InRange(delay, TimeSpan.FromTicks((long)(ceiling.Ticks * (1 - jitter)) - 1), ceiling);
                    Assert.True(delay <= options.BackoffMax);
                    h.Advance(delay);
                }
            });

    [Fact]
    public void Random_walks_reach_every_state()
    {
        var walks = Gen.Sample(WalkGen, 100, new Rnd((ulong)CorePropertyAttribute.Seed), 400);
        var visited = new HashSet<GatewayState>();
        foreach (var walk in walks)
        {
            var h = Run(walk);
            foreach (var (_, transition) in h.History)
            {
                visited.Add(transition.From);
                visited.Add(transition.To);
            }
            h.Send(new Shutdown(h.Now));
            visited.Add(h.State);
        }
        Assert.Equal(Enum.GetValues<GatewayState>().Order(), visited.Order());
    }
}
