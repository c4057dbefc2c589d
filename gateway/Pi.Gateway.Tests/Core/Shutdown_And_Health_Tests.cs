using Pi.Gateway.Core;
using Pi.Gateway.Tests.Core.Support;

namespace Pi.Gateway.Tests.Core;

/// <summary>Shutdown (logout first when online, S403), the watchdog heartbeat and health, stale timers.</summary>
public sealed class Shutdown_And_Health_Tests
{
    [Fact]
    public void Online_shutdown_logs_out_then_disconnects_and_cancels_every_timer()
    {
        var h = new Harness();
        h.BootOnline();

        h.Send(n => new Shutdown(n));

        Assert.Equal(GatewayState.Stopped, h.State);
        Assert.Equal(
            [new CancelTimer(GatewayTimer.Heartbeat), new CancelTimer(GatewayTimer.KeyExpiry), new LogOut(), new Disconnect(), new ShowLeds(LedState.Off)],
            h.Actions);
        Assert.Empty(h.Snapshot.ArmedTimers);
    }

    [Fact]
    public void Softap_shutdown_stops_the_listener_and_the_ap_without_logout()
    {
        var h = Situations.Arrange(Situation.Provisioning);

        h.Send(n => new Shutdown(n));

        Assert.Equal(
            [new CancelTimer(GatewayTimer.Heartbeat), new CancelTimer(GatewayTimer.FailSafe), new StopProvisioningListener(), new StopAccessPoint(), new ShowLeds(LedState.Off)],
            h.Actions);
    }

    [Fact]
    public void Reconnecting_shutdown_has_no_session_to_log_out_of()
    {
        var h = Situations.Arrange(Situation.Reconnecting);
        h.Send(n => new Shutdown(n));
        Assert.DoesNotContain(h.Actions, c => c is LogOut or Disconnect);
    }

    [Fact]
    public void After_shutdown_every_event_is_ignored()
    {
        var h = Situations.Arrange(Situation.Stopped);
        foreach (var kind in Enum.GetValues<EventKind>())
        {
            Assert.Equal(EventOutcome.Ignored, h.Send(Situations.Make(kind, h)).Outcome);
        }
    }

    [Fact]
    public void The_heartbeat_rearms_and_reports_healthy()
    {
        var h = new Harness();
        h.StartFresh();

        h.Advance(TimeSpan.FromSeconds(21));

        var beats = h.History.Where(x => x.Event is TimerFired { Timer: GatewayTimer.Heartbeat }).ToList();
        Assert.Equal(4, beats.Count);
        Assert.All(beats, b => Assert.Equal(new ReportHealth(true), b.Step.Commands[^1]));
        Assert.Equal(Harness.Epoch + TimeSpan.FromSeconds(20), beats[^1].Event.Now);
    }

    [Fact]
    public void A_fault_reports_unhealthy_on_every_heartbeat_so_the_watchdog_restarts_the_service()
    {
        var h = Situations.Arrange(Situation.Online);
        h.Send(n => new FaultReported(n, "the store cannot write"));

        Assert.Equal(GatewayState.Fault, h.State);
        Assert.Contains(new Disconnect(), h.Actions);
        Assert.Contains(h.Last.Commands, c => c is Log { EventId.Id: 2109 } log && log.Message.Contains("the store cannot write", StringComparison.Ordinal));
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.All(h.History.Where(x => x.Event is TimerFired { Timer: GatewayTimer.Heartbeat }), b => Assert.Equal(new ReportHealth(false), b.Step.Commands[^1]));
        Assert.False(h.Snapshot.Healthy);
    }

    [Fact]
    public void A_fault_before_start_still_arms_the_heartbeat()
    {
        var h = new Harness();
        h.Send(n => new FaultReported(n, "no radio"));

        Assert.Equal(GatewayState.Fault, h.State);
        Assert.Contains(GatewayTimer.Heartbeat, h.Snapshot.ArmedTimers);
    }

    [Fact]
    public void A_stale_timer_fire_is_ignored()
    {
        var h = Situations.Arrange(Situation.Reconnecting);
        var stale = h.Model.Timers[GatewayTimer.Reconnect].Sequence;
        h.Send(n => new WifiLost(n)); // restarts the Reconnect timer

        var step = h.Send(n => new TimerFired(n, GatewayTimer.Reconnect, stale));

        Assert.Equal(EventOutcome.Ignored, step.Outcome);
        Assert.Equal(GatewayState.Reconnecting, h.State);
    }

    [Fact]
    public void Events_before_started_are_ignored()
    {
        var h = new Harness();
        Assert.Equal(EventOutcome.Ignored, h.Send(n => new ResetLongPress(n)).Outcome);
        Assert.Equal(EventOutcome.Ignored, h.Send(n => new AppSessionStarted(n)).Outcome);
        Assert.Equal(GatewayState.Starting, h.State);
    }

    [Fact]
    public void A_second_started_is_ignored()
    {
        var h = new Harness();
        h.StartFresh();
        Assert.Equal(EventOutcome.Ignored, h.StartRegistered().Outcome);
        Assert.Equal(GatewayState.Unprovisioned, h.State);
    }

    [Fact]
    public void Every_step_reports_health_last_and_a_state_change_is_logged()
    {
        var h = new Harness();
        h.ProvisionUntilLogin();
        h.LoginOk();
        Assert.All(h.History, x => Assert.IsType<ReportHealth>(x.Step.Commands[^1]));
        Assert.All(
            h.History.Where(x => x.Step.From != x.Step.To),
            x => Assert.Contains(x.Step.Commands, c => c is Log { EventId.Id: 2100 } log && log.Message == $"{x.Step.From} -> {x.Step.To} on {x.Event.GetType().Name}"));
    }

    [Fact]
    public void Null_events_are_a_programming_error()
    {
        var machine = new GatewayStateMachine(new GatewayStateMachineOptions(), () => 0);
        Assert.Throws<ArgumentNullException>(() => machine.Handle(null!));
    }
}
