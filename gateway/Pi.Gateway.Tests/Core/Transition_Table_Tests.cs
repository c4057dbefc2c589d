using Pi.Gateway.Core;
using Pi.Gateway.Tests.Core.Support;
using S = Pi.Gateway.Core.GatewayState;

namespace Pi.Gateway.Tests.Core;

/// <summary>
/// Every (state, event) pair: the event is either a documented transition (the table below, which
/// Core/README.md mirrors) or an explicit ignore that changes nothing. No pair throws, and after every
/// one the commands are consistent and the invariants hold (checked by the harness).
/// </summary>
public sealed class Transition_Table_Tests
{
    private static readonly (EventKind Event, S Target)[] Common =
    [
        (EventKind.TimerHeartbeat, default), // default: stays in the same state
        (EventKind.Shutdown, S.Stopped),
        (EventKind.FaultReported, S.Fault),
        (EventKind.ResetLongPress, S.Resetting),
    ];

    private static readonly (EventKind Event, S Target)[] Login =
    [
        (EventKind.LoginSucceeded, S.Online),
        (EventKind.LoginFailedTransient, S.Reconnecting),
        (EventKind.LoginFailedBadCredentials, S.Reconnecting),
        (EventKind.LoginFailedKeyExpired, S.KeyExpired),
        (EventKind.LoginFailedServiceExpired, S.ServiceExpired),
        (EventKind.TimerLogin, S.Reconnecting),
        (EventKind.WifiLost, S.LoggingIn),
    ];

    private static (EventKind, S)[] OnlineRows(S self) =>
    [
        (EventKind.SessionConnected, self),
        (EventKind.SessionLost, S.Reconnecting),
        (EventKind.SessionRefused, S.Reconnecting),
        (EventKind.KeyRotated, S.Online),
        (EventKind.ResetShortPress, self),
        (EventKind.PairingRequested, self),
        (EventKind.TimerKeyExpiry, self),
        (EventKind.WifiLost, S.Reconnecting),
    ];

    /// <summary>The handled events of each situation and where they lead; every other event is ignored.</summary>
    internal static readonly Dictionary<Situation, (EventKind Event, S Target)[]> Table = new()
    {
        [Situation.Starting] = [(EventKind.Started, S.LoggingIn), (EventKind.Shutdown, S.Stopped), (EventKind.FaultReported, S.Fault)],
        [Situation.Unprovisioned] =
        [
            .. Common,
            (EventKind.AppSessionStarted, S.Provisioning),
            (EventKind.WifiCredentialsReceived, S.JoiningWifi),
            (EventKind.RegistrationStored, S.Unprovisioned),
        ],
        [Situation.Provisioning] =
        [
            .. Common,
            (EventKind.AppSessionEnded, S.Unprovisioned),
            (EventKind.WifiCredentialsReceived, S.JoiningWifi),
            (EventKind.RegistrationStored, S.Provisioning),
            (EventKind.TimerFailSafe, S.Unprovisioned),
        ],
        [Situation.JoiningWifi] =
        [
            .. Common,
            (EventKind.WifiJoined, S.AwaitingRegistration),
            (EventKind.WifiJoinFailed, S.Unprovisioned),
            (EventKind.TimerWifiJoin, S.Unprovisioned),
            (EventKind.RegistrationStored, S.JoiningWifi),
            (EventKind.TimerFailSafe, S.Unprovisioned),
        ],
        [Situation.AwaitingRegistration] =
        [
            .. Common,
            (EventKind.RegistrationStored, S.LoggingIn),
            (EventKind.WifiCredentialsReceived, S.JoiningWifi),
            (EventKind.WifiLost, S.AwaitingRegistration),
            (EventKind.TimerFailSafe, S.Unprovisioned),
        ],
        [Situation.LoggingInAfterProvisioning] = [.. Common, .. Login, (EventKind.TimerFailSafe, S.Unprovisioned)],
        [Situation.LoggingInAtBoot] = [.. Common, .. Login],
        [Situation.Online] = [.. Common, .. OnlineRows(S.Online)],
        [Situation.KeyExpiring] = [.. Common, .. OnlineRows(S.KeyExpiring)],
        // The timer (or Wi-Fi back) starts a reconnect with the still valid session: Online only at SessionConnected.
        [Situation.Reconnecting] = [.. Common, (EventKind.TimerReconnect, S.Reconnecting), (EventKind.WifiLost, S.Reconnecting)],
        [Situation.ReconnectingWithoutWifi] = [.. Common, (EventKind.TimerReconnect, S.Reconnecting), (EventKind.WifiRestored, S.Reconnecting)],
        [Situation.KeyExpired] =
        [
            .. Common,
            (EventKind.AppSessionStarted, S.Provisioning),
            (EventKind.WifiCredentialsReceived, S.JoiningWifi),
            (EventKind.RegistrationStored, S.LoggingIn),
        ],
        [Situation.ServiceExpired] = [.. Common, (EventKind.TimerServiceRetry, S.LoggingIn), (EventKind.WifiLost, S.ServiceExpired)],
        [Situation.ResettingUnbinding] =
        [
            (EventKind.TimerHeartbeat, default),
            (EventKind.Shutdown, S.Stopped),
            (EventKind.FaultReported, S.Fault),
            (EventKind.ResetUnbindAnswered, S.Resetting),
            (EventKind.ResetUnbindTimedOut, S.Resetting),
            (EventKind.TimerResetUnbind, S.Resetting),
            (EventKind.SessionLost, S.Resetting),
            (EventKind.SessionRefused, S.Resetting),
        ],
        [Situation.ResettingWiping] =
        [
            (EventKind.TimerHeartbeat, default),
            (EventKind.Shutdown, S.Stopped),
            (EventKind.FaultReported, S.Fault),
            (EventKind.WipeCompleted, S.Unprovisioned),
            (EventKind.TimerWipe, S.Fault),
        ],
        [Situation.Fault] = [(EventKind.TimerHeartbeat, default), (EventKind.Shutdown, S.Stopped), (EventKind.ResetLongPress, S.Resetting)],
        [Situation.Stopped] = [],
    };

    public static TheoryData<Situation, EventKind> Pairs()
    {
        var data = new TheoryData<Situation, EventKind>();
        foreach (var situation in Enum.GetValues<Situation>())
        {
            foreach (var kind in Enum.GetValues<EventKind>())
            {
                data.Add(situation, kind);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Every_event_in_every_state_is_a_documented_transition_or_an_explicit_ignore(Situation situation, EventKind kind)
    {
        var h = Situations.Arrange(situation);
        var before = h.State;
        var beforeSnapshot = h.Snapshot;

        var step = h.Send(Situations.Make(kind, h));

        Assert.Equal(before, step.From);
        var row = Table[situation].Where(r => r.Event == kind).ToArray();
        if (row.Length == 1)
        {
            Assert.Equal(EventOutcome.Handled, step.Outcome);
            Assert.Equal(row[0].Target == default ? before : row[0].Target, step.To);
        }
        else
        {
            Assert.Equal(EventOutcome.Ignored, step.Outcome);
            Assert.Equal(before, step.To);
            Assert.Empty(Harness.Significant(step));
            Assert.Contains(step.Commands, c => c is Log log && (log.EventId == GatewayLogEvents.EventIgnored || log.EventId == GatewayLogEvents.ShortPressIgnored));
            Assert.Equal(beforeSnapshot, h.Snapshot with { ArmedTimers = beforeSnapshot.ArmedTimers });
            Assert.Equal(beforeSnapshot.ArmedTimers, h.Snapshot.ArmedTimers);
        }
    }

    [Fact]
    public void Each_situation_is_in_the_state_it_is_named_after()
    {
        foreach (var situation in Enum.GetValues<Situation>())
        {
            var h = Situations.Arrange(situation);
            var expected = situation switch
            {
                Situation.LoggingInAfterProvisioning or Situation.LoggingInAtBoot => S.LoggingIn,
                Situation.ReconnectingWithoutWifi => S.Reconnecting,
                Situation.ResettingUnbinding or Situation.ResettingWiping => S.Resetting,
                _ => Enum.Parse<S>(situation.ToString()),
            };
            Assert.Equal(expected, h.State);
        }
        Assert.Equal(ResetPhase.Unbinding, Situations.Arrange(Situation.ResettingUnbinding).Snapshot.ResetPhase);
        Assert.Equal(ResetPhase.Wiping, Situations.Arrange(Situation.ResettingWiping).Snapshot.ResetPhase);
        Assert.True(Situations.Arrange(Situation.LoggingInAfterProvisioning).Snapshot.ProvisioningPending);
        Assert.False(Situations.Arrange(Situation.LoggingInAtBoot).Snapshot.ProvisioningPending);
        Assert.False(Situations.Arrange(Situation.ReconnectingWithoutWifi).Snapshot.WifiUp);
    }

    [Fact]
    public void The_table_covers_every_state()
    {
        var covered = Enum.GetValues<Situation>().Select(s => Situations.Arrange(s).State).ToHashSet();
        Assert.Equal(Enum.GetValues<S>().ToHashSet(), covered);
    }
}
