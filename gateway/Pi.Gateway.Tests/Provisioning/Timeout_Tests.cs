using System.Diagnostics;
using System.Net.Sockets;
using Pi.Gateway.Provisioning;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// docs/protocol.md section 5, rule 7, with small timeouts: a peer silent past the idle timeout, or
/// whose frame does not complete within the frame timeout of its first byte (however it trickles),
/// is dropped; the server goes on serving.
/// </summary>
public sealed class Timeout_Tests
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(700);
    private static readonly TimeSpan LongIdle = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_peer_that_connects_and_sends_nothing_is_dropped_at_the_idle_timeout()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => (o.IdleTimeout, o.FrameTimeout) = (Idle, LongIdle));
        var clock = Stopwatch.StartNew();
        using var stalled = await Session_Admission_Tests.ConnectRawAsync(harness);

        Assert.Equal(0, await stalled.ReceiveAsync(new byte[16], SocketFlags.None, TestTimeouts.Token()));
        Assert.InRange(clock.Elapsed, Idle * 0.9, TestTimeouts.Wait);
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2020 && l.Message.Contains("timeout: nothing received", StringComparison.Ordinal));
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task An_APP_that_goes_silent_in_its_session_is_dropped_and_the_handler_hears_why()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => (o.IdleTimeout, o.FrameTimeout) = (Idle, LongIdle));
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            Assert.Empty(await session.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        var ended = await harness.Handler.WaitForAsync<SessionEndedEvent>();
        Assert.Equal(ProvisioningSessionEndReason.IdleTimeout, ended.Reason);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task A_peer_trickling_one_byte_every_100_ms_is_dropped_at_the_frame_timeout()
    {
        // Each byte comes well within the idle timeout; only the frame clock can catch it.
        await using var harness = await ProvisioningHarness.StartAsync(o => (o.IdleTimeout, o.FrameTimeout) = (LongIdle, Frame));
        var app = harness.NewApp();
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        await using var session = await app.ConnectAsync(gateway, TestTimeouts.Token());
        var frame = session.Seal(new GetSsidList());

        var clock = Stopwatch.StartNew();
        var sent = await TrickleAsync(session, frame);

        Assert.InRange(clock.Elapsed, Frame * 0.9, LongIdle);
        Assert.True(sent < frame.Length, $"the whole frame ({frame.Length} bytes) got through");
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2020 && l.Message.Contains("timeout: a frame did not complete", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Handler.Events, e => e is SessionStartedEvent);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task An_APP_trickling_inside_its_session_is_dropped_at_the_frame_timeout()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => (o.IdleTimeout, o.FrameTimeout) = (LongIdle, Frame));
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            await TrickleAsync(session, session.Seal(new GetSsidList()));
        }
        var ended = await harness.Handler.WaitForAsync<SessionEndedEvent>();
        Assert.Equal(ProvisioningSessionEndReason.FrameTimeout, ended.Reason);
    }

    [Fact]
    public async Task Half_a_length_prefix_is_a_started_frame_not_idleness()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => (o.IdleTimeout, o.FrameTimeout) = (LongIdle, Frame));
        using var peer = await Session_Admission_Tests.ConnectRawAsync(harness);
        var clock = Stopwatch.StartNew();
        await peer.SendAsync(new byte[] { 0x00, 0x00 }, SocketFlags.None, TestTimeouts.Token());

        Assert.Equal(0, await peer.ReceiveAsync(new byte[16], SocketFlags.None, TestTimeouts.Token()));
        Assert.InRange(clock.Elapsed, Frame * 0.9, LongIdle);
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2020 && l.Message.Contains("a frame did not complete", StringComparison.Ordinal));
    }

    /// <summary>Sends one byte every 100 ms until the gateway closes the connection; returns how many got out.</summary>
    private static async Task<int> TrickleAsync(AppSession session, byte[] frame)
    {
        // One pending read: it completes when the gateway closes the connection.
        var closed = session.ReceiveAsync(TestTimeouts.Token());
        var sent = 0;
        while (sent < frame.Length && !closed.IsCompleted)
        {
            try
            {
                await session.SendRawAsync(frame.AsMemory(sent, 1), TestTimeouts.Token());
                sent++;
            }
            catch (IOException)
            {
                break;
            }
            // The peer's pace, not a wait for the server: the server's close is what ends the loop.
            await Task.WhenAny(closed, Task.Delay(100));
        }
        Assert.Null(await closed);
        return sent;
    }
}
