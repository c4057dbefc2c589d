using System.Net;
using Pi.Gateway.Leds;
using Pi.Hil.Leds;
using Pi.Protocol.Crypto;
using Xunit.Abstractions;

namespace Pi.Hil.Tests;

/// <summary>
/// c. The reset button held through GPIO while online: the cloud's binding is removed, the softAP
/// is back (the gateway answers searches again), the LEDs flicker Resetting then blink the softAP,
/// and the same user provisions and binds it again.
/// </summary>
public sealed class Reset_Held_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task Holding_reset_while_online_unbinds_at_the_cloud_shows_resetting_and_the_same_user_rebinds()
    {
        await Scenario.RunAsync(output, Scenario.Options, async (rig, ct) =>
        {
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var tid = await Steps.ProvisionToOnlineAsync(rig, alice, ct);
            await rig.WaitForLedPatternAsync(LedState.Online, TimeSpan.FromSeconds(10), ct);
            var before = DateTimeOffset.UtcNow;

            // Held past the long press (the rig's gateway: 1.5 s), then let go.
            var unprovisioned = rig.Gateway.WaitForTransitionAsync(s => s == "Unprovisioned", "the softAP after the reset", TimeSpan.FromSeconds(30), ct);
            await rig.HoldResetDownAsync(ct);
            await rig.Gateway.WaitForTransitionAsync(s => s == "Resetting", "Resetting", TimeSpan.FromSeconds(10), ct);
            await rig.ReleaseResetAsync(ct);
            await unprovisioned;
            await rig.WaitForLedPatternAsync(LedState.SoftApWaiting, TimeSpan.FromSeconds(10), ct);

            var leds = rig.LedTimeline.Slice(before, DateTimeOffset.UtcNow);
            output.WriteLine(leds.ToString());
            // The reset (resetUnbind at the cloud, the wipe) takes 100-200 ms here: the flicker shows
            // once, maybe cut short. Green off with red on, that briefly, is Resetting alone.
            var resetting = LedPatternMatcher.FindBrief(leds, LedState.Resetting);
            Assert.True(resetting is not null, "no Resetting flicker (green and red alternating at 100 ms) in " + leds);
            Assert.Null(await Steps.ViewAsync(rig, alice, tid, ct)); // the binding is gone

            var again = await Steps.ProvisionToOnlineAsync(rig, alice, ct);
            Assert.Equal(tid, again); // same device, same tid, bound to the same user again
            Assert.True((await Steps.ViewAsync(rig, alice, tid, ct))!.Value.GetProperty("online").GetBoolean());
        });
    }
}

/// <summary>d. Another user's bind is refused while the gateway is bound, and accepted after a reset-unbind.</summary>
public sealed class Other_User_Bind_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task Another_users_bind_is_refused_while_bound_and_goes_through_after_the_reset()
    {
        await Scenario.RunAsync(output, Scenario.Options, async (rig, ct) =>
        {
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var bob = await rig.App.SignUpAsync(rig.Cloud, "bob", ct);
            var tid = await Steps.ProvisionToOnlineAsync(rig, alice, ct);

            // Bob holds the label but the gateway is provisioned: it answers already_provisioned (exit 11).
            var refusedProvision = await Steps.ProvisionAsync(rig, bob, ct);
            Assert.True(refusedProvision.ExitCode == 11, refusedProvision.ToString());
            Assert.Equal("failed", refusedProvision.OutcomeName);
            // Bob's bind with a valid binding hash (his login's nonce and the label's verification code) is refused: bound to Alice.
            var hash = BindingHash.Compute(rig.Gateway.VerificationCode(), Steps.Session(bob).Nonce);
            using (var refused = await Steps.PostAsUserAsync(rig, bob, $"/api/gateways/{tid}/bind", new { hash }, ct))
            {
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
                Assert.Contains("already_bound", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }
            Assert.NotNull(await Steps.ViewAsync(rig, alice, tid, ct));

            // Alice's gateway is reset by its button (resetUnbind at the cloud); Bob provisions and binds it.
            await rig.PressResetAsync(TimeSpan.FromSeconds(2), ct);
            await rig.Gateway.WaitForStateAsync("Unprovisioned", TimeSpan.FromSeconds(20), ct);
            var bobs = await Steps.ProvisionAsync(rig, bob, ct);
            Assert.True(bobs.ExitCode == 0, bobs.ToString());
            Assert.Equal("connected", bobs.OutcomeName);
            Assert.Equal(tid, bobs.Member("tid"));
            Assert.True((await Steps.ViewAsync(rig, bob, tid, ct))!.Value.GetProperty("online").GetBoolean());
            Assert.Null(await Steps.ViewAsync(rig, alice, tid, ct));
        });
    }
}

/// <summary>e. The cloud killed (SIGKILL by PID) and started again mid-session: the gateway comes back online by itself.</summary>
public sealed class Cloud_Restart_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task The_gateway_comes_back_online_by_itself_after_the_cloud_is_killed_and_restarted()
    {
        // Reconnect delays capped at 2 s (default 5 min) keep the scenario short; the behaviour is the same.
        var options = Scenario.Options with { GatewaySettings = new Dictionary<string, string> { ["Gateway:StateMachine:BackoffMax"] = "00:00:02" } };
        await Scenario.RunAsync(output, options, async (rig, ct) =>
        {
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var tid = await Steps.ProvisionToOnlineAsync(rig, alice, ct);
            var pid = rig.CloudProcess.Process!.Pid;

            var lost = rig.Gateway.WaitForTransitionAsync(s => s != "Online", "a state other than Online", TimeSpan.FromSeconds(30), ct);
            await rig.Cloud.KillAsync(ct);
            await lost;
            output.WriteLine($"the gateway noticed: {rig.Gateway.State}");
            // A glance at the LEDs: green on, red double flashes. (Each reconnect attempt restarts the
            // pattern from its beginning, so a full 2 s cycle may never show: look for the flashes.)
            var glance = await rig.RecordLedsAsync(TimeSpan.FromSeconds(2.5), ct);
            Assert.True(LedPatternMatcher.Find(glance, LedState.CloudUnreachable, 3) is not null, glance.ToString());

            await rig.Cloud.StartAsync(ct);
            Assert.NotEqual(pid, rig.CloudProcess.Process!.Pid);
            // The restarted cloud knows no session: the gateway must log in again (a new session) to be online.
            await rig.CloudProcess.Process.WaitForLineAsync(l => l.Contains($"Gateway {tid} logged in", StringComparison.Ordinal), "the gateway's new login", TimeSpan.FromSeconds(45), ct);
            await rig.Gateway.WaitForStateAsync("Online", TimeSpan.FromSeconds(20), ct);
            // The cloud sees it online again and a command goes through, without anyone touching the gateway.
            var ping = await Steps.SendAsync(rig, alice, tid, "ping", ct);
            Assert.True(ping.ExitCode == 0, ping.ToString());
            Assert.True((await Steps.ViewAsync(rig, alice, tid, ct))!.Value.GetProperty("online").GetBoolean());
            await rig.WaitForLedPatternAsync(LedState.Online, TimeSpan.FromSeconds(10), ct);
        });
    }
}

/// <summary>
/// h. Key-expiry warning and rotation: a cloud issuing 10-day key pairs (warned 15 days ahead)
/// makes <c>gateways</c> warn; the operator lengthens the lifetime, the user rotates the keys, the
/// gateway takes the new pair and stays online, and the warning is gone.
/// </summary>
public sealed class Key_Rotation_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task A_key_expiry_warning_is_shown_and_gone_after_rotate_keys_while_the_gateway_stays_online()
    {
        var options = Scenario.Options with
        {
            CloudSettings = new Dictionary<string, string> { ["Cloud:Keys:KeyValidityDays"] = "10", ["Cloud:Keys:WarnDays"] = "15" },
        };
        await Scenario.RunAsync(output, options, async (rig, ct) =>
        {
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var tid = await Steps.ProvisionToOnlineAsync(rig, alice, ct);
            var table = await rig.App.RunAsync(alice, ["gateways"], cancellationToken: ct);
            Assert.True(table.ExitCode == 0, table.ToString());
            Assert.Contains("key_expiring", table.Stdout, StringComparison.Ordinal);
            Assert.Contains($"warning: {tid}: key_expiring", table.Stderr, StringComparison.Ordinal);
            var view = (await Steps.ViewAsync(rig, alice, tid, ct))!.Value;
            var oldKeyId = view.GetProperty("keyId").GetInt64();
            Assert.Contains(view.GetProperty("warnings").EnumerateArray(), w => w.GetProperty("code").GetString() == "key_expiring");
            // The gateway warns on its LEDs too (its own threshold is 15 days).
            await rig.Gateway.WaitForStateAsync("KeyExpiring", TimeSpan.FromSeconds(10), ct);
            await rig.WaitForLedPatternAsync(LedState.KeyExpiring, TimeSpan.FromSeconds(10), ct);

            // The operator restarts the cloud with the usual lifetime; the user rotates.
            rig.CloudProcess.Settings["Cloud:Keys:KeyValidityDays"] = "365";
            await rig.Cloud.KillAsync(ct);
            await rig.Cloud.StartAsync(ct);
            await rig.Gateway.WaitForTransitionAsync(s => s is "Online" or "KeyExpiring", "back online", TimeSpan.FromSeconds(40), ct);
            var rotated = await rig.App.RunAsync(alice, ["rotate-keys", tid, "--json"], cancellationToken: ct);
            Assert.True(rotated.ExitCode == 0, rotated.ToString());
            Assert.NotEqual(oldKeyId, rotated.Json.GetProperty("keyId").GetInt64());

            await rig.Gateway.WaitForStateAsync("Online", TimeSpan.FromSeconds(20), ct);
            var after = (await Steps.ViewAsync(rig, alice, tid, ct))!.Value;
            Assert.True(after.GetProperty("online").GetBoolean());
            Assert.False(after.GetProperty("keyRotationPending").GetBoolean());
            Assert.Equal(rotated.Json.GetProperty("keyId").GetInt64(), after.GetProperty("keyId").GetInt64());
            Assert.Empty(after.GetProperty("warnings").EnumerateArray());
            await rig.WaitForLedPatternAsync(LedState.Online, TimeSpan.FromSeconds(10), ct);
            var ping = await Steps.SendAsync(rig, alice, tid, "ping", ct);
            Assert.True(ping.ExitCode == 0, ping.ToString());
        });
    }
}

/// <summary>g. A sub-device end to end: added by the APP, an emulated sub-device process, telemetry at the cloud, a command round trip.</summary>
public sealed class Sub_Device_Scenario(ITestOutputHelper output)
{
    [Fact]
    public async Task A_sub_device_added_by_the_app_reports_telemetry_to_the_cloud_and_answers_a_command()
    {
        await Scenario.RunAsync(output, Scenario.Options, async (rig, ct) =>
        {
            var alice = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var tid = await Steps.ProvisionToOnlineAsync(rig, alice, ct);

            var mac = "02:5D:" + string.Join(':', System.Security.Cryptography.RandomNumberGenerator.GetBytes(4).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
            var setupCode = SetupCode.Generate().ToDisplayString();
            var (device, search) = await rig.StartOnboardingSubDeviceAsync("lamp", mac, setupCode, "switch", ct);
            var added = await rig.Driver.AddSubDeviceAsync(alice, tid, new SubDeviceRequest(mac, setupCode, "switch", search, rig.BrokerUrl), ct);
            Assert.True(added.ExitCode == 0, added.ToString());
            Assert.Equal("added", added.Json.GetProperty("outcome").GetString());
            Assert.True(added.Json.GetProperty("online").GetBoolean());
            var did = added.Json.GetProperty("did").GetString()!;
            Assert.True(device.IsRunning);

            // A command round trip: through the cloud, the gateway's bridge, the sub-device process, and back.
            var on = await Steps.SendAsync(rig, alice, tid, "switch.set", ct, did, """{"on":true}""");
            Assert.True(on.ExitCode == 0, on.ToString());
            Assert.True(on.Json.GetProperty("ok").GetBoolean());
            Assert.True(on.Json.GetProperty("result").GetProperty("on").GetBoolean());
            var get = await Steps.SendAsync(rig, alice, tid, "switch.get", ct, did);
            Assert.True(get.Json.GetProperty("result").GetProperty("on").GetBoolean());

            // The switch reports its change as telemetry: the cloud shows it (relayed by the gateway).
            // No event reaches the rig from the cloud's store: poll the APP's view within a bound.
            var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
            System.Text.Json.JsonElement sub;
            while (true)
            {
                var view = (await Steps.ViewAsync(rig, alice, tid, ct))!.Value;
                sub = view.GetProperty("subDevices").EnumerateArray().Single(s => s.GetProperty("did").GetString() == did);
                if (sub.GetProperty("lastTelemetry").ValueKind == System.Text.Json.JsonValueKind.Object || DateTimeOffset.UtcNow > deadline)
                {
                    break;
                }
            }
            Assert.True(sub.GetProperty("online").GetBoolean());
            Assert.True(sub.GetProperty("lastTelemetry").GetProperty("on").GetBoolean(), sub.ToString());
        });
    }
}
