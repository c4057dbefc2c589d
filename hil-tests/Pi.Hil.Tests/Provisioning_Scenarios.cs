using System.Text.RegularExpressions;
using Pi.Gateway.Leds;
using Pi.Hil.Leds;
using Xunit.Abstractions;
using Pi.Protocol.Labels;

namespace Pi.Hil.Tests;

/// <summary>a. First provisioning to online: the APP provisions, the gateway is online at the cloud and bound.</summary>
public sealed class First_Provisioning_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task The_app_provisions_the_gateway_which_comes_online_bound_to_the_user_and_shows_green()
    {
        await Scenario.RunAsync(output, Scenario.Options, async (rig, ct) =>
        {
            // The user sees the softAP's slow blink, then provisions.
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            await rig.WaitForLedPatternAsync(LedState.SoftApWaiting, TimeSpan.FromSeconds(10), ct);
            var tid = await Steps.ProvisionToOnlineAsync(rig, alice, ct);

            var view = await Steps.ViewAsync(rig, alice, tid, ct);
            Assert.NotNull(view);
            Assert.True(view.Value.GetProperty("online").GetBoolean());
            var ping = await Steps.SendAsync(rig, alice, tid, "ping", ct);
            Assert.True(ping.ExitCode == 0, ping.ToString());
            var green = await rig.WaitForLedPatternAsync(LedState.Online, TimeSpan.FromSeconds(10), ct);
            Assert.Equal([LedState.Online], LedPatternMatcher.Identify(green));
            if (rig.Mode == RigMode.SimulatedNetns)
            {
                // Discovery crossed the veth as a broadcast, and the APP had its softAP address from dnsmasq.
                Assert.Contains(rig.Log.ToString().Split('\n'), l => l.Contains("pi-app provision", StringComparison.Ordinal) && l.Contains("--search 255.255.255.255:10071", StringComparison.Ordinal));
                Assert.Matches(new Regex(@"^192\.168\.4\.\d+$"), rig.AppSoftApAddress!);
                // The hand-over went over the router's LAN to the address the join got, not the softAP's.
                Assert.Contains(rig.Log.ToString().Split('\n'), l => l.Contains("handing the registration to 10.77.0.2:", StringComparison.Ordinal));
            }
        });
    }
}

/// <summary>b. A wrong Wi-Fi password fails with the documented exit code; the right one then connects.</summary>
public sealed class Wrong_Wifi_Password_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task A_wrong_wifi_password_exits_12_with_the_reason_and_the_right_one_then_connects()
    {
        await Scenario.RunAsync(output, Scenario.Options, async (rig, ct) =>
        {
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var wrong = await Steps.ProvisionAsync(rig, alice, ct, password: "not the router password");
            Assert.True(wrong.ExitCode == 12, wrong.ToString());
            Assert.Equal("failed", wrong.OutcomeName);
            Assert.Equal("wifi", wrong.Member("step"));
            Assert.Contains("wrong_password", wrong.Member("reason"), StringComparison.Ordinal);
            Assert.DoesNotContain("not the router password", wrong.Raw.Stdout + wrong.Raw.Stderr, StringComparison.Ordinal);
            // The gateway stays provisionable (softAP) and nothing was registered.
            Assert.Equal(0, (await Steps.GatewaysAsync(rig, alice, ct)).GetArrayLength());

            var tid = await Steps.ProvisionToOnlineAsync(rig, alice, ct);
            Assert.True((await Steps.ViewAsync(rig, alice, tid, ct))!.Value.GetProperty("online").GetBoolean());
        });
    }
}

/// <summary>
/// i. Fail-safe rollback: the APP drops mid-provisioning (the gateway joined the router, but the
/// APP's second search never reaches it, so no registration is handed over); the gateway rolls
/// back to its softAP by itself when its fail-safe expires, answers a new search, and is provisioned.
/// </summary>
public sealed class Fail_Safe_Rollback_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task A_provisioning_the_app_abandons_is_rolled_back_to_the_softap_which_answers_a_new_search()
    {
        var options = Scenario.Options with
        {
            GatewaySettings = new Dictionary<string, string>
            {
                // Short timers (Core/README.md): the fail-safe must exceed join + grace + login.
                ["Gateway:StateMachine:FailSafeTimeout"] = "00:00:10",
                ["Gateway:StateMachine:WifiJoinTimeout"] = "00:00:02",
                ["Gateway:StateMachine:CompletionGrace"] = "00:00:01",
                ["Gateway:StateMachine:LoginTimeout"] = "00:00:06",
            },
        };
        await Scenario.RunAsync(output, options, async (rig, ct) =>
        {
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var nowhere = rig.Mode == RigMode.SimulatedNetns
                ? new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.77.0.99"), 10071)
                : new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9); // discard: nobody answers
            var joined = rig.Gateway.WaitForTransitionAsync(s => s == "AwaitingRegistration", "the joined state", TimeSpan.FromSeconds(30), ct);
            var abandoned = await rig.Driver.ProvisionAsync(alice, new ProvisionRequest(rig.Gateway.QrPayload(), Simulated.SimulatedRigOptions.Home.Ssid, Simulated.SimulatedRigOptions.Home.Password)
            {
                VerificationCode = rig.Gateway.VerificationCode(),
                LanSearch = nowhere,
                SearchTimeoutSeconds = 2,
            }, ct);
            await joined;
            Assert.True(abandoned.ExitCode == 9, abandoned.ToString());
            Assert.Equal("handover", abandoned.Member("step"));

            // Nobody tells the gateway: its fail-safe rolls it back to the softAP.
            await rig.Gateway.WaitForTransitionAsync(s => s == "Unprovisioned", "the rollback to the softAP", TimeSpan.FromSeconds(30), ct);
            Assert.Contains(rig.Gateway.Process!.Lines, l => l.Contains("AwaitingRegistration -> Unprovisioned on TimerFired", StringComparison.Ordinal));
            await rig.WaitForLedPatternAsync(LedState.SoftApWaiting, TimeSpan.FromSeconds(10), ct);

            // The registration the APP made stays unbound; a new search is answered and all goes through.
            await Steps.ProvisionToOnlineAsync(rig, alice, ct);
        });
    }
}
