using Pi.Gateway.Core;
using Pi.Gateway.Tests.Core.Support;

namespace Pi.Gateway.Tests.Core;

/// <summary>
/// The reset button (seed embodiment 2, protocol section 11): a long press resets from any state
/// (resetUnbind first when online, bounded), a short press opens the pairing window only when online.
/// </summary>
public sealed class Reset_Tests
{
    public static TheoryData<Situation> ResettableSituations() =>
        [.. Enum.GetValues<Situation>().Where(s => s is not (Situation.Starting or Situation.Stopped or Situation.ResettingUnbinding or Situation.ResettingWiping))];

    public static TheoryData<Situation> NotOnline() =>
        [.. Enum.GetValues<Situation>().Where(s => s is not (Situation.Online or Situation.KeyExpiring))];

    [Fact]
    public void Online_a_long_press_sends_reset_unbind_then_wipes_and_returns_to_the_softap()
    {
        var h = new Harness();
        h.BootOnline();

        h.Send(n => new ResetLongPress(n));
        Assert.Equal(GatewayState.Resetting, h.State);
        Assert.Equal(ResetPhase.Unbinding, h.Snapshot.ResetPhase);
        Assert.Equal(
            [new CancelTimer(GatewayTimer.KeyExpiry), new ShowLeds(LedState.Resetting), new SendResetUnbind(), new StartTimer(GatewayTimer.ResetUnbind, TimeSpan.FromSeconds(10), h.Model.Timers[GatewayTimer.ResetUnbind].Sequence)],
            h.Actions);

        h.Send(n => new ResetUnbindAnswered(n, RemovedBindings: 2));
        Assert.Equal(ResetPhase.Wiping, h.Snapshot.ResetPhase);
        Assert.Equal(
            [new CancelTimer(GatewayTimer.ResetUnbind), new Disconnect(), new WipeCredentials(SetResetFlag: true), new ForgetWifi(), new StartTimer(GatewayTimer.Wipe, TimeSpan.FromSeconds(30), h.Model.Timers[GatewayTimer.Wipe].Sequence)],
            h.Actions);
        Assert.Contains(h.Last.Commands, c => c is Log log && log.Message.Contains("2 binding(s) removed", StringComparison.Ordinal));

        h.Send(n => new WipeCompleted(n));
        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.Equal([new CancelTimer(GatewayTimer.Wipe), new ShowLeds(LedState.SoftApWaiting), new ScanNetworks(), new StartAccessPoint(), new StartProvisioningListener()], h.Actions);
        var s = h.Snapshot;
        Assert.True(s.ResetFlag);
        Assert.False(s.HasRegistration || s.WifiConfigured);
    }

    [Fact]
    public void Cloud_unreachable_while_unbinding_wipes_when_the_bound_runs_out()
    {
        var h = new Harness();
        h.BootOnline();
        h.Send(n => new ResetLongPress(n));

        h.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(ResetPhase.Unbinding, h.Snapshot.ResetPhase);
        h.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(ResetPhase.Wiping, h.Snapshot.ResetPhase);
        Assert.Contains(new WipeCredentials(true), h.StepOn(e => e is TimerFired { Timer: GatewayTimer.ResetUnbind }).Commands);
        h.Send(n => new WipeCompleted(n));
        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.True(h.Snapshot.ResetFlag);
    }

    [Fact]
    public void The_session_service_timing_out_the_unbind_also_wipes()
    {
        var h = Situations.Arrange(Situation.ResettingUnbinding);
        h.Send(n => new ResetUnbindTimedOut(n));
        Assert.Equal(ResetPhase.Wiping, h.Snapshot.ResetPhase);
    }

    [Fact]
    public void Losing_the_session_while_unbinding_wipes_at_once()
    {
        var h = Situations.Arrange(Situation.ResettingUnbinding);
        h.Send(n => new SessionLost(n));
        Assert.Equal(ResetPhase.Wiping, h.Snapshot.ResetPhase);
        Assert.Contains(new Disconnect(), h.Actions);
    }

    [Fact]
    public void Reconnecting_the_cloud_is_unreachable_so_the_reset_wipes_without_reset_unbind()
    {
        var h = Situations.Arrange(Situation.Reconnecting);

        h.Send(n => new ResetLongPress(n));

        Assert.Equal(ResetPhase.Wiping, h.Snapshot.ResetPhase);
        Assert.DoesNotContain(new SendResetUnbind(), h.Actions);
        Assert.Contains(new WipeCredentials(true), h.Actions);
    }

    [Theory]
    [MemberData(nameof(ResettableSituations))]
    public void A_long_press_resets_from_every_state(Situation situation)
    {
        var h = Situations.Arrange(situation);
        var online = h.State is GatewayState.Online or GatewayState.KeyExpiring;

        h.Send(n => new ResetLongPress(n));
        Assert.Equal(GatewayState.Resetting, h.State);
        Assert.Equal(LedState.Resetting, h.Snapshot.Led);
        Assert.Equal(online, h.Actions.Contains(new SendResetUnbind()));
        Assert.False(h.Snapshot.ProvisioningPending);

        // Answer or not: the bounded wait ends, the wipe runs, the softAP comes back.
        h.Advance(h.Options.ResetUnbindTimeout);
        Assert.Equal(ResetPhase.Wiping, h.Snapshot.ResetPhase);
        h.Send(n => new WipeCompleted(n));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.True(h.Snapshot.ResetFlag);
        Assert.True(h.Snapshot.AccessPointOn);
        Assert.Single(h.AllCommands().OfType<WipeCredentials>(), w => w.SetResetFlag);
    }

    [Fact]
    public void A_second_long_press_while_resetting_is_ignored()
    {
        var h = Situations.Arrange(Situation.ResettingWiping);
        Assert.Equal(EventOutcome.Ignored, h.Send(n => new ResetLongPress(n)).Outcome);
        Assert.Single(h.AllCommands().OfType<WipeCredentials>());
    }

    [Fact]
    public void A_wipe_that_never_completes_is_a_fault()
    {
        var h = Situations.Arrange(Situation.ResettingWiping);

        h.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(GatewayState.Fault, h.State);
        Assert.Equal(new ReportHealth(false), h.Last.Commands[^1]);
    }

    [Fact]
    public void A_long_press_recovers_from_a_fault()
    {
        var h = Situations.Arrange(Situation.Fault);
        h.Send(n => new ResetLongPress(n));
        h.Send(n => new WipeCompleted(n));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.Equal(new ReportHealth(true), h.Last.Commands[^1]);
    }

    [Theory]
    [InlineData(Situation.Online)]
    [InlineData(Situation.KeyExpiring)]
    public void Online_a_short_press_opens_the_pairing_window(Situation situation)
    {
        var h = Situations.Arrange(situation);
        var step = h.Send(n => new ResetShortPress(n));

        Assert.Equal(situation == Situation.Online ? GatewayState.Online : GatewayState.KeyExpiring, step.To);
        Assert.Equal([new OpenPairingWindow(TimeSpan.FromSeconds(120))], h.Actions);
    }

    [Theory]
    [MemberData(nameof(NotOnline))]
    public void Not_online_a_short_press_is_ignored_and_logged(Situation situation)
    {
        var h = Situations.Arrange(situation);
        var step = h.Send(n => new ResetShortPress(n));

        Assert.Equal(EventOutcome.Ignored, step.Outcome);
        Assert.Empty(h.Actions);
        if (situation is not (Situation.Starting or Situation.Stopped))
        {
            Assert.Contains(step.Commands, c => c is Log { EventId.Id: 2111 });
        }
    }

    [Fact]
    public void The_pairing_window_is_configurable_and_the_cloud_asks_within_bounds()
    {
        var h = new Harness(new GatewayStateMachineOptions { PairingWindow = TimeSpan.FromSeconds(30), MaxPairingWindow = TimeSpan.FromMinutes(2) });
        h.BootOnline();

        h.Send(n => new ResetShortPress(n));
        Assert.Equal([new OpenPairingWindow(TimeSpan.FromSeconds(30))], h.Actions);
        h.Send(n => new PairingRequested(n, TimeSpan.FromSeconds(90)));
        Assert.Equal([new OpenPairingWindow(TimeSpan.FromSeconds(90))], h.Actions);
        h.Send(n => new PairingRequested(n, TimeSpan.FromHours(5)));
        Assert.Equal([new OpenPairingWindow(TimeSpan.FromMinutes(2))], h.Actions);
        h.Send(n => new PairingRequested(n, TimeSpan.FromSeconds(-4)));
        Assert.Equal([new OpenPairingWindow(TimeSpan.FromSeconds(30))], h.Actions);
        h.Send(n => new PairingRequested(n));
        Assert.Equal([new OpenPairingWindow(TimeSpan.FromSeconds(30))], h.Actions);
    }
}
