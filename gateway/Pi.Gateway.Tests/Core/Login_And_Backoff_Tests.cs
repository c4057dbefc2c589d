using Pi.Gateway.Core;
using Pi.Gateway.Tests.Core.Support;
using Pi.Protocol.Errors;

namespace Pi.Gateway.Tests.Core;

/// <summary>Login outcomes, the session channel, and reconnecting with exponential backoff and bounded jitter.</summary>
public sealed class Login_And_Backoff_Tests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>Fails every login transiently <paramref name="count"/> times, waiting out each backoff.</summary>
    private static void FailTransiently(Harness h, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(GatewayState.LoggingIn, h.State);
            h.LoginFails(LoginFailureKind.Transient);
            Assert.Equal(GatewayState.Reconnecting, h.State);
            h.Advance(h.Model.Timers[GatewayTimer.Reconnect].Duration);
        }
    }

    [Fact]
    public void Transient_failures_back_off_doubling_from_one_second_to_five_minutes()
    {
        var h = new Harness();
        h.StartRegistered();

        FailTransiently(h, 12);

        Assert.Equal(
            new[] { 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300 }.Select(s => TimeSpan.FromSeconds(s)),
            h.Durations(GatewayTimer.Reconnect));
        Assert.All(h.History.Where(x => x.Step.To == GatewayState.Reconnecting && x.Step.From != GatewayState.Reconnecting), x => Assert.Contains(new ShowLeds(LedState.CloudUnreachable), x.Step.Commands.Take(3)));
    }

    [Fact]
    public void Jitter_takes_a_bounded_random_part_off_each_delay()
    {
        var random = new Random(20260301);
        var h = new Harness(jitter: random.NextDouble);
        h.StartRegistered();

        FailTransiently(h, 14);

        var delays = h.Durations(GatewayTimer.Reconnect);
        for (var i = 0; i < delays.Count; i++)
        {
            var ceiling = ReconnectBackoff.Ceiling(i, h.Options.BackoffInitial, h.Options.BackoffMax);
            Assert.InRange(delays[i], ceiling * 0.5, ceiling);
        }
        Assert.True(delays.Distinct().Count() > 10, "jitter spreads the delays");
    }

    [Fact]
    public void A_jitter_source_out_of_range_is_clamped()
    {
        var values = new Queue<double>([5.0, -3.0, double.NaN, double.PositiveInfinity, 1.0]);
        var h = new Harness(new GatewayStateMachineOptions { BackoffJitter = 0.25 }, () => values.Dequeue());
        h.StartRegistered();

        FailTransiently(h, 5);

        Assert.Equal(
            [Second * 0.75, Second * 2, Second * 4, Second * 8 * 0.75, Second * 16 * 0.75],
            h.Durations(GatewayTimer.Reconnect));
    }

    [Fact]
    public void A_connected_session_resets_the_backoff()
    {
        var h = new Harness();
        h.StartRegistered();
        FailTransiently(h, 5);
        h.LoginOk();
        h.Send(n => new SessionConnected(n));
        Assert.Equal(0, h.Snapshot.ReconnectAttempt);

        h.Send(n => new SessionLost(n));

        Assert.Equal(Second, h.Model.Timers[GatewayTimer.Reconnect].Duration);
    }

    [Fact]
    public void Without_a_connected_session_the_backoff_keeps_growing()
    {
        var h = new Harness();
        h.StartRegistered();
        FailTransiently(h, 3);
        h.LoginOk();

        h.Send(n => new SessionRefused(n)); // the broker refuses the fresh token

        Assert.Equal(Second * 8, h.Model.Timers[GatewayTimer.Reconnect].Duration);
    }

    [Fact]
    public void A_login_with_no_answer_counts_as_transient_and_a_late_answer_is_ignored()
    {
        var h = new Harness();
        h.StartRegistered();

        h.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(GatewayState.Reconnecting, h.State);
        Assert.Equal(EventOutcome.Ignored, h.LoginOk().Outcome);
    }

    [Fact]
    public void Bad_credentials_are_retried_then_count_as_revoked_and_open_the_softap()
    {
        var h = new Harness();
        h.StartRegistered();

        h.LoginFails(LoginFailureKind.BadCredentials);
        Assert.Equal(GatewayState.Reconnecting, h.State);
        h.Advance(Second);
        h.LoginFails(LoginFailureKind.BadCredentials);
        Assert.Equal(GatewayState.Reconnecting, h.State);
        h.Advance(Second * 2);
        h.LoginFails(LoginFailureKind.BadCredentials);

        Assert.Equal(GatewayState.KeyExpired, h.State);
        Assert.Contains(h.Last.Commands, c => c is Log { EventId.Id: 2106 });
        Assert.Equal([new CancelTimer(GatewayTimer.Login), new ShowLeds(LedState.KeyExpired), new ScanNetworks(), new StartAccessPoint(), new StartProvisioningListener()], h.Actions);
        var s = h.Snapshot;
        Assert.True(s.HasRegistration); // kept: a restart tries it again; a new registration replaces it
        Assert.False(s.ResetFlag);      // not a reset: the cloud removed no binding
        Assert.DoesNotContain(h.AllCommands(), c => c is WipeCredentials or ForgetWifi);
    }

    [Fact]
    public void The_bad_credentials_limit_is_configurable_and_counts_only_consecutive_failures()
    {
        var h = new Harness(new GatewayStateMachineOptions { BadCredentialsLimit = 2 });
        h.StartRegistered();
        h.LoginFails(LoginFailureKind.BadCredentials);
        h.Advance(Second);
        h.LoginOk();
        Assert.Equal(0, h.Snapshot.BadCredentialFailures);
        h.Send(n => new SessionRefused(n));
        h.Advance(h.Model.Timers[GatewayTimer.Reconnect].Duration);
        h.LoginFails(LoginFailureKind.BadCredentials);
        Assert.Equal(GatewayState.Reconnecting, h.State);
        h.Advance(h.Model.Timers[GatewayTimer.Reconnect].Duration);

        h.LoginFails(LoginFailureKind.BadCredentials);

        Assert.Equal(GatewayState.KeyExpired, h.State);
    }

    [Fact]
    public void Key_expired_opens_the_softap_for_re_registration()
    {
        var h = new Harness();
        h.StartRegistered();
        h.LoginFails(LoginFailureKind.KeyExpired);

        Assert.Equal(GatewayState.KeyExpired, h.State);
        Assert.Equal(LedState.KeyExpired, h.Snapshot.Led);
        Assert.True(h.Snapshot.AccessPointOn && h.Snapshot.ProvisioningListenerOn);
    }

    [Fact]
    public void Service_expired_shows_an_error_and_retries_daily()
    {
        var h = new Harness(new GatewayStateMachineOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) });
        h.StartRegistered();
        h.LoginFails(LoginFailureKind.ServiceExpired);

        Assert.Equal(GatewayState.ServiceExpired, h.State);
        Assert.Equal([new CancelTimer(GatewayTimer.Login), new ShowLeds(LedState.Error), new StartTimer(GatewayTimer.ServiceRetry, TimeSpan.FromDays(1), 3)], h.Actions);
        Assert.True(h.Last.Commands[^1] is ReportHealth { Healthy: true }); // not a fault: no watchdog restart loop

        h.Advance(TimeSpan.FromDays(1));
        Assert.Equal(GatewayState.LoggingIn, h.State);
        h.LoginFails(LoginFailureKind.ServiceExpired);
        h.Advance(TimeSpan.FromDays(1));
        h.LoginOk();
        Assert.Equal(GatewayState.Online, h.State);
    }

    [Fact]
    public void A_lost_session_reconnects_with_the_same_session_while_it_is_valid()
    {
        var h = new Harness();
        h.BootOnline();

        h.Send(n => new SessionLost(n));
        Assert.Equal(GatewayState.Reconnecting, h.State);
        Assert.Equal([new CancelTimer(GatewayTimer.KeyExpiry), new ShowLeds(LedState.CloudUnreachable), new Disconnect(), new StartTimer(GatewayTimer.Reconnect, Second, h.Model.Timers[GatewayTimer.Reconnect].Sequence)], h.Actions);

        h.Advance(Second);

        // The attempt runs while the state (and the LEDs) still say Reconnecting, bounded by LoginTimeout.
        Assert.Equal(GatewayState.Reconnecting, h.State);
        Assert.Contains(new ConnectSession(), h.Actions);
        Assert.DoesNotContain(new LogIn(), h.Actions);
        Assert.Equal(h.Options.LoginTimeout, h.Model.Timers[GatewayTimer.Reconnect].Duration);

        h.Send(n => new SessionConnected(n));

        Assert.Equal(GatewayState.Online, h.State);
        Assert.Contains(new ShowLeds(LedState.Online), h.Actions);
    }

    [Fact]
    public void A_reconnect_the_cloud_never_answers_backs_off_again_without_showing_online()
    {
        var h = new Harness();
        h.BootOnline();
        h.Send(n => new SessionLost(n));
        var lost = h.AllCommands().Count;
        h.Advance(Second); // the attempt with the last login's session starts

        h.Advance(h.Options.LoginTimeout); // and gets no answer

        Assert.Equal(GatewayState.Reconnecting, h.State);
        Assert.Contains(new Disconnect(), h.Actions);
        Assert.False(h.Snapshot.SessionOpen);
        Assert.DoesNotContain(h.AllCommands().Skip(lost), c => c is ShowLeds { Led: LedState.Online });
        Assert.Equal(Second * 2, h.Model.Timers[GatewayTimer.Reconnect].Duration);
    }

    [Fact]
    public void A_refused_session_logs_in_again()
    {
        var h = new Harness();
        h.BootOnline();

        h.Send(n => new SessionRefused(n));
        h.Advance(Second);

        Assert.Equal(GatewayState.LoggingIn, h.State);
        Assert.Contains(new LogIn(), h.Actions);
    }

    [Fact]
    public void A_reused_session_the_cloud_no_longer_knows_logs_in_at_once_and_a_fresh_one_refused_waits_the_backoff()
    {
        var h = new Harness();
        h.BootOnline();
        h.Send(n => new SessionLost(n)); // the cloud went away
        h.Advance(h.Model.Timers[GatewayTimer.Reconnect].Duration);
        Assert.Equal(GatewayState.Reconnecting, h.State); // the reconnect tries the last login's session
        Assert.Contains(new ConnectSession(), h.Actions);

        h.Send(n => new SessionRefused(n)); // the restarted cloud does not know that session

        Assert.Equal(GatewayState.LoggingIn, h.State); // no backoff first
        Assert.Contains(new LogIn(), h.Actions);

        h.LoginOk();
        h.Send(n => new SessionRefused(n)); // the fresh session refused too: back off, no loop
        Assert.Equal(GatewayState.Reconnecting, h.State);
        Assert.True(h.Model.Timers.ContainsKey(GatewayTimer.Reconnect));
    }

    [Fact]
    public void A_session_about_to_expire_is_not_reused()
    {
        var h = new Harness();
        h.StartRegistered();
        h.LoginOk(sessionLeft: TimeSpan.FromSeconds(30));

        h.Send(n => new SessionLost(n));
        h.Advance(Second);

        Assert.Equal(GatewayState.LoggingIn, h.State);
    }

    [Fact]
    public void Losing_wifi_waits_for_it_then_tries_at_once()
    {
        var h = new Harness();
        h.BootOnline();

        h.Send(n => new WifiLost(n));
        Assert.Equal(GatewayState.Reconnecting, h.State);
        Assert.Equal(h.Options.BackoffMax, h.Model.Timers[GatewayTimer.Reconnect].Duration);
        Assert.False(h.Snapshot.WifiUp);

        h.Advance(TimeSpan.FromSeconds(20));
        h.Send(n => new WifiRestored(n));

        Assert.Equal(GatewayState.Reconnecting, h.State);
        Assert.Contains(new ConnectSession(), h.Actions);
        h.Send(n => new SessionConnected(n));
        Assert.Equal(GatewayState.Online, h.State);
    }

    [Fact]
    public void Without_a_restore_report_the_backoff_cap_tries_anyway()
    {
        var h = new Harness();
        h.StartRegistered();
        h.Send(n => new WifiLost(n));
        h.LoginFails(LoginFailureKind.Transient);
        Assert.Equal(h.Options.BackoffMax, h.Model.Timers[GatewayTimer.Reconnect].Duration);

        h.Advance(h.Options.BackoffMax);

        Assert.Equal(GatewayState.LoggingIn, h.State);
    }

    [Fact]
    public void Losing_wifi_while_reconnecting_defers_the_try()
    {
        var h = Situations.Arrange(Situation.Reconnecting);

        h.Send(n => new WifiLost(n));

        Assert.Equal([new CancelTimer(GatewayTimer.Reconnect), new StartTimer(GatewayTimer.Reconnect, h.Options.BackoffMax, h.Model.Timers[GatewayTimer.Reconnect].Sequence)], h.Actions);
    }

    [Theory]
    [InlineData(ProtocolErrorCode.BadCredentials, LoginFailureKind.BadCredentials)]
    [InlineData(ProtocolErrorCode.UnknownDevice, LoginFailureKind.BadCredentials)]
    [InlineData(ProtocolErrorCode.KeyExpired, LoginFailureKind.KeyExpired)]
    [InlineData(ProtocolErrorCode.ServiceExpired, LoginFailureKind.ServiceExpired)]
    [InlineData(ProtocolErrorCode.SessionExpired, LoginFailureKind.Transient)]
    [InlineData(ProtocolErrorCode.RateLimited, LoginFailureKind.Transient)]
    [InlineData(ProtocolErrorCode.Timeout, LoginFailureKind.Transient)]
    [InlineData(ProtocolErrorCode.Internal, LoginFailureKind.Transient)]
    [InlineData(ProtocolErrorCode.AuthenticationFailed, LoginFailureKind.Transient)]
    public void Login_error_codes_map_to_failure_kinds(ProtocolErrorCode code, LoginFailureKind kind) =>
        Assert.Equal(kind, LoginFailures.Classify(code));

    [Fact]
    public void An_unknown_failure_kind_is_treated_as_transient()
    {
        var h = new Harness();
        h.StartRegistered();
        h.Send(n => new LoginFailed(n, (LoginFailureKind)99));
        Assert.Equal(GatewayState.Reconnecting, h.State);
    }
}

public sealed class Reconnect_Backoff_Tests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(8, 256)]
    [InlineData(9, 300)]
    [InlineData(62, 300)]
    [InlineData(int.MaxValue, 300)]
    [InlineData(-5, 1)]
    public void The_ceiling_doubles_up_to_the_cap(int attempt, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ReconnectBackoff.Ceiling(attempt, Initial, Max));

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 0.5)]
    [InlineData(0.5, 0.75)]
    [InlineData(double.NaN, 1.0)]
    [InlineData(7.0, 0.5)]
    [InlineData(-7.0, 1.0)]
    public void The_jitter_only_shortens_and_stays_within_its_fraction(double random, double factor) =>
        Assert.Equal(TimeSpan.FromSeconds(256 * factor), ReconnectBackoff.Delay(8, Initial, Max, 0.5, random));
}
