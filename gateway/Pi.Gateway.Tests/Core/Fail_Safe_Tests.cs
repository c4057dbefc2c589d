using Pi.Gateway.Core;
using Pi.Gateway.Tests.Core.Support;

namespace Pi.Gateway.Tests.Core;

/// <summary>
/// Provisioning that does not reach Online within the fail-safe time is rolled back: the router it
/// joined is forgotten, the registration it stored is wiped with the reset flag put back as it was,
/// and the softAP is offered again. Time runs on the harness's fake clock.
/// </summary>
public sealed class Fail_Safe_Tests
{
    [Fact]
    public void Rolls_back_the_router_and_the_registration_when_online_is_not_reached()
    {
        var h = new Harness();
        h.ProvisionUntilLogin();
        h.LoginFails(LoginFailureKind.Transient); // e.g. the router has no internet
        var started = h.History.First(x => x.Event is AppSessionStarted).Event.Now;

        h.Advance(started + TimeSpan.FromMinutes(10) - h.Now - TimeSpan.FromMilliseconds(1));
        Assert.NotEqual(GatewayState.Unprovisioned, h.State);
        h.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        var rollback = h.StepOn(e => e is TimerFired { Timer: GatewayTimer.FailSafe });
        Assert.Equal(started + TimeSpan.FromMinutes(10), h.History.Single(x => x.Event is TimerFired { Timer: GatewayTimer.FailSafe }).Event.Now);
        var actions = Harness.Significant(rollback);
        Assert.Contains(new ForgetWifi(), actions);
        Assert.Contains(new WipeCredentials(SetResetFlag: false), actions);
        Assert.Equal([new ScanNetworks(), new StartAccessPoint(), new StartProvisioningListener()], actions.TakeLast(3));
        Assert.Contains(rollback.Commands, c => c is Log { EventId.Id: 2103 });
        var s = h.Snapshot;
        Assert.False(s.HasRegistration);
        Assert.False(s.WifiConfigured);
        Assert.False(s.ProvisioningPending);
        Assert.DoesNotContain(GatewayTimer.Reconnect, s.ArmedTimers);
        Assert.DoesNotContain(GatewayTimer.Login, s.ArmedTimers);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Keeps_the_reset_flag_as_it_was(bool resetFlag)
    {
        var h = new Harness();
        h.StartFresh(resetFlag);
        h.Send(n => new AppSessionStarted(n));
        h.Credentials();
        h.Joined();
        h.Send(n => new RegistrationStored(n));
        Assert.False(h.Snapshot.ResetFlag); // storing a registration clears it

        h.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.Contains(new WipeCredentials(SetResetFlag: resetFlag), h.AllCommands());
        Assert.Equal(resetFlag, h.Snapshot.ResetFlag);
    }

    [Fact]
    public void Forgets_only_the_router_when_no_registration_arrived()
    {
        var h = Situations.Arrange(Situation.AwaitingRegistration);

        h.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.Contains(new ForgetWifi(), h.AllCommands());
        Assert.DoesNotContain(h.AllCommands(), c => c is WipeCredentials);
    }

    [Fact]
    public void Restarts_the_listener_so_an_idle_app_session_goes_with_the_rollback()
    {
        var h = Situations.Arrange(Situation.Provisioning);

        h.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.Equal(
            [new ShowLeds(LedState.SoftApWaiting), new StopProvisioningListener(), new StopAccessPoint(), new ScanNetworks(), new StartAccessPoint(), new StartProvisioningListener()],
            Harness.Significant(h.StepOn(e => e is TimerFired { Timer: GatewayTimer.FailSafe })));
        // The session's end arrives afterwards and changes nothing.
        Assert.Equal(EventOutcome.Ignored, h.Send(n => new AppSessionEnded(n)).Outcome);
    }

    [Fact]
    public void Keeps_running_through_a_failed_join_after_an_earlier_join()
    {
        var h = Situations.Arrange(Situation.AwaitingRegistration);
        h.Advance(TimeSpan.FromMinutes(4));
        h.Credentials("typo-router");
        h.JoinFailed();
        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.True(h.Snapshot.ProvisioningPending); // the first join is still to undo

        h.Advance(TimeSpan.FromMinutes(6));

        Assert.False(h.Snapshot.ProvisioningPending);
        Assert.Contains(new ForgetWifi(), h.AllCommands());
    }

    [Fact]
    public void Rolls_back_a_fresh_registration_the_cloud_calls_expired()
    {
        var h = new Harness();
        h.ProvisionUntilLogin();
        h.LoginFails(LoginFailureKind.KeyExpired);
        Assert.Equal(GatewayState.KeyExpired, h.State);

        h.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.Contains(new WipeCredentials(false), h.AllCommands());
    }

    [Fact]
    public void From_key_expired_without_a_new_registration_returns_to_key_expired_with_the_old_one()
    {
        var h = Situations.Arrange(Situation.KeyExpired);
        h.Send(n => new AppSessionStarted(n));
        h.Credentials();
        h.Joined();

        h.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(GatewayState.KeyExpired, h.State);
        Assert.True(h.Snapshot.HasRegistration);
        Assert.DoesNotContain(h.AllCommands(), c => c is WipeCredentials);
    }

    [Fact]
    public void Reprovisioning_never_goes_online_on_the_previous_session()
    {
        // Found by the random walks: Online reached with the old session while the attempt was pending.
        var h = new Harness(new GatewayStateMachineOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) });
        h.StartRegistered();
        h.LoginOk(keyLeft: TimeSpan.FromDays(3), sessionLeft: TimeSpan.FromDays(10));
        h.Advance(TimeSpan.FromDays(3)); // re-login at expiry
        h.LoginFails(LoginFailureKind.KeyExpired);
        h.Send(n => new AppSessionStarted(n));
        h.Send(n => new RegistrationStored(n));
        h.LoginFails(LoginFailureKind.Transient);

        h.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(GatewayState.LoggingIn, h.State);
        Assert.True(h.Snapshot.ProvisioningPending);
        h.LoginOk();
        Assert.False(h.Snapshot.ProvisioningPending);
    }

    [Fact]
    public void Uses_the_configured_timeout()
    {
        var h = new Harness(new GatewayStateMachineOptions { FailSafeTimeout = TimeSpan.FromMinutes(3) });
        h.ProvisionUntilLogin();
        Assert.Contains(new StartTimer(GatewayTimer.FailSafe, TimeSpan.FromMinutes(3), 2), h.AllCommands());

        h.Advance(TimeSpan.FromMinutes(3));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
    }

    [Fact]
    public void A_reset_during_provisioning_ends_the_fail_safe()
    {
        var h = Situations.Arrange(Situation.AwaitingRegistration);
        h.Send(n => new ResetLongPress(n));

        Assert.DoesNotContain(GatewayTimer.FailSafe, h.Snapshot.ArmedTimers);
        Assert.Contains(new CancelTimer(GatewayTimer.FailSafe), h.Actions);
    }
}
