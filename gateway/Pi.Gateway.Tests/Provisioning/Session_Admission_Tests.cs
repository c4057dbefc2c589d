using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// Who gets a session on port3 (docs/protocol.md section 5, rules 1, 3 and 4): one APP at a time,
/// a pending session per answered search, used by one connection, within its lifetime.
/// </summary>
public sealed class Session_Admission_Tests
{
    private const int ConnectionRefused = 2020;

    [Fact]
    public async Task A_second_APP_is_told_busy_under_its_own_agreekey_and_closed_while_the_first_goes_on()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, first) = await harness.ConnectNewAppAsync();
        await using (first)
        {
            Assert.IsType<SsidList>(await first.RequestAsync(new GetSsidList(), TestTimeouts.Token()));

            var (_, _, second) = await harness.ConnectNewAppAsync();
            await using (second)
            {
                var busy = Assert.IsType<ProvisioningError>(await second.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
                Assert.Equal(ProtocolErrorCode.Busy, busy.Code);
                Assert.Empty(await second.ReadUntilClosedAsync(TestTimeouts.Token()));
            }
            await harness.Log.WaitForRefusalAsync(ConnectionRefused, "busy");

            // The first APP's session is not disturbed.
            var joined = Assert.IsType<WifiResult>(await first.RequestAsync(
                new WifiCredentials("HomeRouter", new SecretString(FakeProvisioningHandler.RouterPassword)), TestTimeouts.Token()));
            Assert.True(joined.Joined);
        }

        // Once it is gone, the other APP (or anyone) gets the session.
        await harness.Handler.WaitForAsync<SessionEndedEvent>();
        await harness.AssertStillServesAsync();
        Assert.Equal(2, harness.Handler.Events.OfType<SessionStartedEvent>().Count());
    }

    [Fact]
    public async Task The_same_APP_connecting_again_replaces_its_stale_connection_and_the_handler_hears_the_end_first()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (app, _, stale) = await harness.ConnectNewAppAsync();
        await using (stale)
        {
            Assert.IsType<SsidList>(await stale.RequestAsync(new GetSsidList(), TestTimeouts.Token()));

            // The softAP went down during a join; the APP searched again with the same key pair.
            var again = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
            await using var fresh = await app.ConnectAsync(again, TestTimeouts.Token());
            Assert.IsType<SsidList>(await fresh.RequestAsync(new GetSsidList(), TestTimeouts.Token()));

            Assert.Empty(await stale.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        var events = harness.Handler.Events.Where(e => e is SessionStartedEvent or SessionEndedEvent).ToList();
        // Closing the fresh connection above may already have ended the second session too.
        Assert.InRange(events.Count, 3, 4);
        if (events.Count == 4)
        {
            Assert.Equal(((SessionStartedEvent)events[2]).Session, Assert.IsType<SessionEndedEvent>(events[3]).Session);
        }
        var firstStart = Assert.IsType<SessionStartedEvent>(events[0]);
        var firstEnd = Assert.IsType<SessionEndedEvent>(events[1]);
        var secondStart = Assert.IsType<SessionStartedEvent>(events[2]);
        Assert.Equal(firstStart.Session, firstEnd.Session);
        Assert.Equal(ProvisioningSessionEndReason.Superseded, firstEnd.Reason);
        Assert.NotEqual(firstStart.Session.Id, secondStart.Session.Id);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed_at_once()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => o.MaxConnections = 2);
        using var one = await ConnectRawAsync(harness);
        using var two = await ConnectRawAsync(harness);
        await WaitUntilAsync(() => harness.Server.ConnectionCount == 2);

        using var three = await ConnectRawAsync(harness);
        Assert.Equal(0, await three.ReceiveAsync(new byte[16], SocketFlags.None, TestTimeouts.Token()));
        await harness.Log.WaitForAsync(l => l.EventId.Id == ConnectionRefused && l.Message.Contains("too many connections", StringComparison.Ordinal));

        one.Dispose();
        two.Dispose();
        await WaitUntilAsync(() => harness.Server.ConnectionCount == 0);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task A_first_frame_naming_no_pending_session_closes_the_connection()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var app = harness.NewApp();
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        using var stranger = EphemeralKeyPair.Generate();

        await using (var session = await app.ConnectAsync(gateway with { GatewayPublicKey = stranger.PublicKey.ToArray() }, TestTimeouts.Token()))
        {
            await session.SendRawAsync(session.Seal(new GetSsidList()), TestTimeouts.Token());
            Assert.Empty(await session.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        await harness.Log.WaitForRefusalAsync(ConnectionRefused, "session_expired");
        Assert.Equal(1, harness.Server.PendingSessionCount);
    }

    [Fact]
    public async Task A_pending_session_serves_one_connection_only()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var app = harness.NewApp();
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        await using (var session = await app.ConnectAsync(gateway, TestTimeouts.Token()))
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        }
        await harness.Handler.WaitForAsync<SessionEndedEvent>();

        // Reusing the agreekey would restart its counters: a new connection needs a new search.
        await using (var again = await app.ConnectAsync(gateway, TestTimeouts.Token()))
        {
            await again.SendRawAsync(again.Seal(new GetSsidList()), TestTimeouts.Token());
            Assert.Empty(await again.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        await harness.Log.WaitForRefusalAsync(ConnectionRefused, "session_expired");
    }

    [Fact]
    public async Task A_first_frame_without_the_gateway_public_key_is_refused()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var app = harness.NewApp();
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        await using (var session = await app.ConnectAsync(gateway, TestTimeouts.Token()))
        {
            _ = session.Seal(new GetSsidList());
            // The second frame sealed carries no public key; sent first, it names no session.
            await session.SendRawAsync(session.Seal(new GetSsidList()), TestTimeouts.Token());
            Assert.Empty(await session.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        await harness.Log.WaitForRefusalAsync(ConnectionRefused, "unexpected_frame");
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task A_pending_session_expires_after_its_lifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ProvisioningHarness.StartAsync(time: time);
        var app = harness.NewApp();
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());

        time.Advance(harness.Options.PendingSessionLifetime);

        await using (var late = await app.ConnectAsync(gateway, TestTimeouts.Token()))
        {
            await late.SendRawAsync(late.Seal(new GetSsidList()), TestTimeouts.Token());
            Assert.Empty(await late.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        await harness.Log.WaitForRefusalAsync(ConnectionRefused, "session_expired");
        Assert.Equal(0, harness.Server.PendingSessionCount);
    }

    [Fact]
    public async Task When_the_pending_sessions_are_full_the_oldest_is_dropped()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => o.MaxPendingSessions = 2);
        var app = harness.NewApp();
        var oldest = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        var newest = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        Assert.Equal(2, harness.Server.PendingSessionCount);

        await using (var dropped = await app.ConnectAsync(oldest, TestTimeouts.Token()))
        {
            await dropped.SendRawAsync(dropped.Seal(new GetSsidList()), TestTimeouts.Token());
            Assert.Empty(await dropped.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        await harness.Log.WaitForRefusalAsync(ConnectionRefused, "session_expired");

        await using var kept = await app.ConnectAsync(newest, TestTimeouts.Token());
        Assert.IsType<SsidList>(await kept.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
    }

    [Fact]
    public async Task An_error_from_the_APP_ends_its_session()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            await session.SendRawAsync(session.Seal(new ProvisioningError(ProtocolErrorCode.AuthenticationFailed, "could not open your reply")), TestTimeouts.Token());
            Assert.Empty(await session.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        var ended = await harness.Handler.WaitForAsync<SessionEndedEvent>();
        Assert.Equal(ProvisioningSessionEndReason.ProtocolError, ended.Reason);
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2024 && l.Message.Contains("authentication_failed", StringComparison.Ordinal));
    }

    internal static async Task<Socket> ConnectRawAsync(ProvisioningHarness harness)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(harness.Server.SessionEndPoint!, TestTimeouts.Token());
        return socket;
    }

    /// <summary>Waits for a condition the server exposes but does not signal (connection counts).</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TestTimeouts.Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(10);
        }
    }
}
