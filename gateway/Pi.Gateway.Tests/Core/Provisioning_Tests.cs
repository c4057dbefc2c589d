using Pi.Gateway.Core;
using Pi.Gateway.Tests.Core.Support;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Core;

/// <summary>Start-up, the softAP and provisioning (seed steps 2-12, protocol section 5).</summary>
public sealed class Provisioning_Tests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public void First_start_scans_then_starts_the_softap_and_the_listener()
    {
        var h = new Harness();
        var step = h.StartFresh();

        Assert.Equal(GatewayState.Unprovisioned, step.To);
        Assert.Equal(
            [
                new StartTimer(GatewayTimer.Heartbeat, h.Options.HeartbeatInterval, 1),
                new ShowLeds(LedState.SoftApWaiting),
                new ScanNetworks(),
                new StartAccessPoint(),
                new StartProvisioningListener(),
            ],
            h.Actions);
        Assert.Equal(new ReportHealth(true), step.Commands[^1]);
    }

    [Fact]
    public void Corrupt_state_starts_the_softap_even_with_a_registration()
    {
        var h = new Harness();
        var step = h.Send(n => new Started(n, HasValidRegistration: true, ResetFlag: false, WifiConfigured: true, n + Day, n + Day, CorruptStateDetected: true));

        Assert.Equal(GatewayState.Unprovisioned, step.To);
        Assert.Contains(step.Commands, c => c is Log { EventId.Id: 2102 });
        Assert.DoesNotContain(h.Actions, c => c is LogIn);
        Assert.False(h.Snapshot.HasRegistration);
    }

    [Fact]
    public void After_a_reset_the_softap_reports_the_reset_flag()
    {
        var h = new Harness();
        h.StartFresh(resetFlag: true);

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.True(h.Snapshot.ResetFlag);
    }

    [Fact]
    public void A_registration_without_a_router_starts_the_softap()
    {
        var h = new Harness();
        h.Send(n => new Started(n, HasValidRegistration: true, ResetFlag: false, WifiConfigured: false, n + Day, n + Day));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.True(h.Snapshot.HasRegistration);
    }

    [Fact]
    public void A_registered_gateway_logs_in_at_start()
    {
        var h = new Harness();
        h.StartRegistered();

        Assert.Equal(GatewayState.LoggingIn, h.State);
        Assert.Equal(
            [
                new StartTimer(GatewayTimer.Heartbeat, h.Options.HeartbeatInterval, 1),
                new ShowLeds(LedState.Connecting),
                new LogIn(),
                new StartTimer(GatewayTimer.Login, h.Options.LoginTimeout, 2),
            ],
            h.Actions);
    }

    [Fact]
    public void Happy_provisioning_reaches_online_and_ends_the_fail_safe()
    {
        var h = new Harness();
        h.StartFresh();

        h.Send(n => new AppSessionStarted(n));
        Assert.Equal(GatewayState.Provisioning, h.State);
        Assert.Equal([new StartTimer(GatewayTimer.FailSafe, TimeSpan.FromMinutes(10), 2), new ShowLeds(LedState.Provisioning)], h.Actions);

        h.Send(n => new WifiCredentialsReceived(n, "home-router", new SecretString("correct horse")));
        Assert.Equal(GatewayState.JoiningWifi, h.State);
        Assert.Equal(
            [
                new ShowLeds(LedState.Connecting),
                new StopAccessPoint(),
                new JoinWifi("home-router", new SecretString("correct horse"), TimeSpan.FromSeconds(45)),
                new StartTimer(GatewayTimer.WifiJoin, TimeSpan.FromSeconds(60), 3),
            ],
            h.Actions);
        Assert.True(h.Snapshot.ProvisioningListenerOn);

        h.Joined();
        Assert.Equal(GatewayState.AwaitingRegistration, h.State);
        Assert.Equal([new CancelTimer(GatewayTimer.WifiJoin), new ShowLeds(LedState.Provisioning)], h.Actions);

        // The TCP connection drops with the change of network; the APP comes back on the router LAN.
        Assert.Equal(EventOutcome.Ignored, h.Send(n => new AppSessionEnded(n)).Outcome);
        Assert.Equal(EventOutcome.Ignored, h.Send(n => new AppSessionStarted(n)).Outcome);

        h.Send(n => new RegistrationStored(n));
        Assert.Equal(GatewayState.LoggingIn, h.State);
        Assert.Equal(
            [new ShowLeds(LedState.Connecting), new StopProvisioningListener(), new LogIn(), new StartTimer(GatewayTimer.Login, TimeSpan.FromSeconds(60), 4)],
            h.Actions);

        h.LoginOk();
        Assert.Equal(GatewayState.Online, h.State);
        Assert.Equal(
            [
                new CancelTimer(GatewayTimer.FailSafe),
                new CancelTimer(GatewayTimer.Login),
                new ShowLeds(LedState.Online),
                new StartTimer(GatewayTimer.KeyExpiry, GatewayStateMachineOptions.MaxTimerDuration, 5),
                new ConnectSession(),
            ],
            h.Actions);
        var s = h.Snapshot;
        Assert.False(s.AccessPointOn);
        Assert.False(s.ProvisioningListenerOn);
        Assert.False(s.ProvisioningPending);
        Assert.True(s.HasRegistration && s.WifiConfigured);

        // Long after the fail-safe would have fired: nothing rolls back.
        h.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(GatewayState.Online, h.State);
        Assert.DoesNotContain(h.AllCommands(), c => c is ForgetWifi or WipeCredentials);
    }

    [Fact]
    public void A_failed_join_returns_to_the_softap_and_the_app_can_retry()
    {
        var h = new Harness();
        h.StartFresh();
        h.Send(n => new AppSessionStarted(n));
        h.Credentials();

        h.JoinFailed(WifiFailure.WrongPassword);
        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.Equal(
            [new CancelTimer(GatewayTimer.FailSafe), new CancelTimer(GatewayTimer.WifiJoin), new ShowLeds(LedState.SoftApWaiting), new ScanNetworks(), new StartAccessPoint()],
            h.Actions);
        Assert.Contains(h.Last.Commands, c => c is Log { EventId.Id: 2104 } log && log.Message.Contains("WrongPassword", StringComparison.Ordinal));
        Assert.False(h.Snapshot.ProvisioningPending); // nothing changed: nothing to roll back

        h.Send(n => new AppSessionStarted(n));
        h.Credentials();
        h.Joined();
        h.Send(n => new RegistrationStored(n));
        h.LoginOk();
        Assert.Equal(GatewayState.Online, h.State);
    }

    [Fact]
    public void A_join_with_no_answer_counts_as_failed_when_the_guard_fires()
    {
        var h = new Harness();
        h.StartFresh();
        h.Send(n => new AppSessionStarted(n));
        h.Credentials();

        h.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(GatewayState.JoiningWifi, h.State);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.True(h.Snapshot.AccessPointOn);

        // The radio's late answer is stale now.
        Assert.Equal(EventOutcome.Ignored, h.Joined().Outcome);
    }

    [Fact]
    public void The_app_leaving_before_anything_changed_ends_the_attempt()
    {
        var h = new Harness();
        h.StartFresh();
        h.Send(n => new AppSessionStarted(n));

        h.Send(n => new AppSessionEnded(n));

        Assert.Equal(GatewayState.Unprovisioned, h.State);
        Assert.Equal([new CancelTimer(GatewayTimer.FailSafe), new ShowLeds(LedState.SoftApWaiting)], h.Actions);
        Assert.False(h.Snapshot.ProvisioningPending);
    }

    [Fact]
    public void A_second_app_while_provisioning_is_left_to_the_listener()
    {
        var h = Situations.Arrange(Situation.Provisioning);
        Assert.Equal(EventOutcome.Ignored, h.Send(n => new AppSessionStarted(n)).Outcome);
        Assert.Equal(GatewayState.Provisioning, h.State);
    }

    [Fact]
    public void A_registration_delivered_before_the_join_logs_in_once_joined()
    {
        var h = new Harness();
        h.StartFresh();
        h.Send(n => new AppSessionStarted(n));
        h.Send(n => new RegistrationStored(n));
        Assert.Equal(GatewayState.Provisioning, h.State);
        Assert.True(h.Snapshot.HasRegistration);

        h.Credentials();
        h.Joined();

        Assert.Equal(GatewayState.LoggingIn, h.State);
        Assert.Contains(new LogIn(), h.Actions);
    }

    [Fact]
    public void New_credentials_on_the_router_lan_switch_networks()
    {
        var h = Situations.Arrange(Situation.AwaitingRegistration);
        h.Credentials("better-router");

        Assert.Equal(GatewayState.JoiningWifi, h.State);
        Assert.Contains(h.Actions, c => c is JoinWifi { Ssid: "better-router" });
        Assert.True(h.Snapshot.ProvisioningListenerOn);
    }

    [Fact]
    public void Key_expired_reprovisioning_can_deliver_only_a_registration_over_the_kept_router()
    {
        var h = Situations.Arrange(Situation.KeyExpired);
        Assert.True(h.Snapshot.AccessPointOn);

        h.Send(n => new AppSessionStarted(n));
        h.Send(n => new RegistrationStored(n));

        Assert.Equal(GatewayState.LoggingIn, h.State);
        Assert.Equal([new ShowLeds(LedState.Connecting), new StopProvisioningListener(), new StopAccessPoint(), new LogIn(), new StartTimer(GatewayTimer.Login, h.Options.LoginTimeout, 4)], h.Actions);
        h.LoginOk();
        Assert.Equal(GatewayState.Online, h.State);
    }

    [Fact]
    public void A_failed_join_from_key_expired_returns_to_key_expired()
    {
        var h = Situations.Arrange(Situation.KeyExpired);
        h.Send(n => new AppSessionStarted(n));
        h.Credentials();
        h.JoinFailed(WifiFailure.NetworkNotFound);

        Assert.Equal(GatewayState.KeyExpired, h.State);
        Assert.Equal(LedState.KeyExpired, h.Snapshot.Led);
    }

    [Fact]
    public void The_wifi_password_never_shows_in_events_commands_or_logs()
    {
        var h = new Harness();
        h.StartFresh();
        h.Send(n => new AppSessionStarted(n));
        var input = new WifiCredentialsReceived(h.Now, "home-router", new SecretString("correct horse"));
        h.Send(input);

        Assert.DoesNotContain("correct horse", input.ToString(), StringComparison.Ordinal);
        Assert.All(h.AllCommands(), c => Assert.DoesNotContain("correct horse", c.ToString(), StringComparison.Ordinal));
        Assert.Equal("correct horse", h.Actions.OfType<JoinWifi>().Single().Password.Reveal());
    }
}
