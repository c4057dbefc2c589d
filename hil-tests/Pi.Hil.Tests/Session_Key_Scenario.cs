using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Pi.Hil.Tests;

/// <summary>
/// f. A restarted gateway logs in with a new sessionkey and its old one is refused. Observed from
/// outside, as the operator of the cloud's external Mosquitto (docs/broker.md): the rig captures a
/// sealed up-packet the gateway sent (a command's answer) before the restart and replays it
/// before and after. Before, the cloud refuses it as a replay; after, the session it was sealed
/// under is gone, so the cloud refuses it under a new reason; the gateway stays online throughout.
/// </summary>
public sealed partial class Session_Key_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task After_a_gateway_restart_a_packet_sealed_under_the_old_sessionkey_is_refused_and_the_gateway_stays_online()
    {
        await Scenario.RunAsync(output, Scenario.Options with { ExternalBroker = true }, async (rig, ct) =>
        {
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var tid = await Steps.ProvisionToOnlineAsync(rig, alice, ct);
            var cloud = rig.CloudProcess.Process!;
            var firstLogin = SessionOf(await cloud.WaitForLineAsync(l => l.Contains($"Gateway {tid} logged in: session", StringComparison.Ordinal), "the first login", TimeSpan.FromSeconds(10), ct));

            // Capture: the answer to a ping is an up-packet sealed under the current sessionkey.
            await using var capture = await rig.Mosquitto!.WatchUpAsync(tid, ct);
            var ping = await Steps.SendAsync(rig, alice, tid, "ping", ct);
            Assert.True(ping.ExitCode == 0, ping.ToString());
            var packet = Convert.FromHexString(await capture.WaitForLineAsync(Hex(), TimeSpan.FromSeconds(10), ct));
            Assert.Equal("PE"u8.ToArray(), packet[..2]); // a v2 session envelope

            // Replayed under the live session: refused as a replay.
            var refusedBefore = await rig.CloudProcess.MetricAsync("pi_cloud_refusals_total", null, ct);
            await rig.Mosquitto.PublishUpAsync(tid, packet, ct);
            var replayed = await cloud.WaitForLineAsync(l => l.Contains($"Refused an up-packet from {tid}", StringComparison.Ordinal), "the replay's refusal", TimeSpan.FromSeconds(10), ct);
            output.WriteLine("before the restart: " + replayed.Trim());
            Assert.Contains("replayed", replayed, StringComparison.Ordinal);

            // The gateway restarts and logs in again: a new session (and sessionkey).
            await rig.RestartGatewayAsync(ct);
            var second = await cloud.WaitForLineAsync(l => l.Contains($"Gateway {tid} logged in: session", StringComparison.Ordinal) && SessionOf(l) != firstLogin, "the login after the restart", TimeSpan.FromSeconds(30), ct);
            Assert.NotEqual(firstLogin, SessionOf(second));
            await rig.Gateway.WaitForStateAsync("Online", TimeSpan.FromSeconds(20), ct);

            // The old packet again: the session it was sealed under is over.
            var refused = RefusedLine(tid);
            var refusals = cloud.Count(refused);
            await rig.Mosquitto.PublishUpAsync(tid, packet, ct);
            // The next refusal line for this gateway (the earlier ones are already in the log).
            await cloud.WaitForLineAsync(l => refused.IsMatch(l) && cloud.Count(refused) > refusals, "the stale packet's refusal", TimeSpan.FromSeconds(10), ct);
            var stale = cloud.Lines.Last(l => refused.IsMatch(l));
            output.WriteLine("after the restart: " + stale.Trim());
            Assert.DoesNotContain("replayed", stale, StringComparison.Ordinal);
            Assert.True(await rig.CloudProcess.MetricAsync("pi_cloud_refusals_total", null, ct) >= refusedBefore + 2);

            // ...and the gateway, untouched by it, stays online and answers.
            var after = await Steps.SendAsync(rig, alice, tid, "ping", ct);
            Assert.True(after.ExitCode == 0, after.ToString());
            Assert.True((await Steps.ViewAsync(rig, alice, tid, ct))!.Value.GetProperty("online").GetBoolean());
        });
    }

    private static string SessionOf(string line) => SessionId().Match(line).Groups[1].Value;

    private static Regex RefusedLine(string tid) => new($"Refused an up-packet from {Regex.Escape(tid)}: ");

    [GeneratedRegex(@"logged in: session (\d+)")]
    private static partial Regex SessionId();

    [GeneratedRegex("^[0-9a-f]{40,}$")]
    private static partial Regex Hex();
}
