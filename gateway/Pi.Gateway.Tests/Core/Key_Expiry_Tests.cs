using Pi.Gateway.Core;
using Pi.Gateway.Tests.Core.Support;

namespace Pi.Gateway.Tests.Core;

/// <summary>
/// The key pair's expiry (the seed: warn a preset time before, re-register after): KeyExpiring within
/// the warning window, a timer to each boundary (re-armed at most a day at a time), and at the expiry
/// moment a new login so the cloud decides.
/// </summary>
public sealed class Key_Expiry_Tests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    // A slow heartbeat keeps day-long advances short.
    private static Harness NewHarness(TimeSpan? warning = null) =>
        new(new GatewayStateMachineOptions { HeartbeatInterval = TimeSpan.FromMinutes(10), KeyExpiryWarning = warning ?? TimeSpan.FromDays(15) });

    [Fact]
    public void Far_from_expiry_is_online_and_the_warning_starts_on_time()
    {
        var h = NewHarness();
        h.StartRegistered(Day * 20);
        h.LoginOk(keyLeft: Day * 20);
        Assert.Equal(GatewayState.Online, h.State);
        Assert.Equal(Day, h.Model.Timers[GatewayTimer.KeyExpiry].Duration); // 5 days away, capped at a day

        h.Advance(Day * 5 - TimeSpan.FromMinutes(1));
        Assert.Equal(GatewayState.Online, h.State);
        h.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(GatewayState.KeyExpiring, h.State);
        Assert.Equal(LedState.KeyExpiring, h.Snapshot.Led);
        Assert.True(h.Snapshot.SessionOpen);
    }

    [Fact]
    public void Within_the_warning_window_it_is_key_expiring_at_once()
    {
        var h = NewHarness();
        h.StartRegistered();
        h.LoginOk(keyLeft: TimeSpan.FromHours(2));

        Assert.Equal(GatewayState.KeyExpiring, h.State);
        Assert.Equal([new CancelTimer(GatewayTimer.Login), new ShowLeds(LedState.KeyExpiring), new StartTimer(GatewayTimer.KeyExpiry, TimeSpan.FromHours(2), 3), new ConnectSession()], h.Actions);
    }

    [Fact]
    public void At_expiry_it_logs_in_again_and_the_cloud_decides()
    {
        var h = NewHarness();
        h.BootOnline(Day * 3);
        Assert.Equal(GatewayState.KeyExpiring, h.State);

        h.Advance(Day * 3);
        Assert.Equal(GatewayState.LoggingIn, h.State);
        var atExpiry = h.StepOn(e => e is TimerFired { Timer: GatewayTimer.KeyExpiry } && e.Now == Harness.Epoch + Day * 3);
        Assert.Equal([new ShowLeds(LedState.Connecting), new Disconnect(), new LogIn(), new StartTimer(GatewayTimer.Login, h.Options.LoginTimeout, atExpiry.Commands.OfType<StartTimer>().Single().Sequence)], Harness.Significant(atExpiry));

        h.LoginFails(LoginFailureKind.KeyExpired);
        Assert.Equal(GatewayState.KeyExpired, h.State);
        Assert.True(h.Snapshot.AccessPointOn);
    }

    [Fact]
    public void A_failed_login_at_expiry_never_falls_back_to_the_old_session()
    {
        // Found by the random walks: the old session's expiry outlived the new login.
        var h = NewHarness();
        h.BootOnline(Day * 3);
        h.Advance(Day * 3);
        Assert.Equal(GatewayState.LoggingIn, h.State);

        h.LoginFails(LoginFailureKind.Transient);
        h.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(GatewayState.LoggingIn, h.State);
        Assert.Null(h.Snapshot.SessionExpiresAt);
    }

    [Fact]
    public void A_key_rotation_ends_the_warning()
    {
        var h = NewHarness();
        h.BootOnline(Day * 3);

        h.Send(n => new KeyRotated(n, n + Day * 365));

        Assert.Equal(GatewayState.Online, h.State);
        Assert.Equal(LedState.Online, h.Snapshot.Led);
        Assert.Equal([new ShowLeds(LedState.Online), new CancelTimer(GatewayTimer.KeyExpiry), new StartTimer(GatewayTimer.KeyExpiry, Day, h.Model.Timers[GatewayTimer.KeyExpiry].Sequence)], h.Actions);
        Assert.Equal(Harness.Epoch + Day * 365, h.Snapshot.KeyExpiresAt);
    }

    [Fact]
    public void A_key_the_cloud_accepts_past_our_clock_stays_key_expiring_and_is_checked_daily()
    {
        var h = NewHarness();
        h.StartRegistered();
        h.LoginOk(keyLeft: -Day);

        Assert.Equal(GatewayState.KeyExpiring, h.State);
        Assert.Equal(Day, h.Model.Timers[GatewayTimer.KeyExpiry].Duration);
        h.Advance(Day);
        Assert.Equal(GatewayState.LoggingIn, h.State);
    }

    [Fact]
    public void The_warning_period_is_configurable()
    {
        var h = NewHarness(TimeSpan.FromDays(30));
        h.StartRegistered();
        h.LoginOk(keyLeft: Day * 20);
        Assert.Equal(GatewayState.KeyExpiring, h.State);
    }

    [Fact]
    public void Extreme_expiries_do_not_throw()
    {
        var h = NewHarness();
        h.StartRegistered();
        h.Send(n => new LoginSucceeded(n, DateTimeOffset.MaxValue, DateTimeOffset.MinValue));
        Assert.Equal(GatewayState.Online, h.State);
        h.Send(n => new KeyRotated(n, DateTimeOffset.MinValue));
        Assert.Equal(GatewayState.KeyExpiring, h.State);
        h.Send(n => new SessionLost(n));
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(GatewayState.LoggingIn, h.State); // a session "expiring" at MinValue is not reused
    }
}
