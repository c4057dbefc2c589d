using System.Net;
using Pi.Gateway.Leds;
using Pi.Hil.Leds;
using Pi.Hil.Netns;
using Pi.Hil.Simulated;
using Xunit.Abstractions;

namespace Pi.Hil.Tests;

/// <summary>The simulated rig itself: its network, DHCP on the softAP side, the cloud as a process, the LEDs.</summary>
public sealed class Rig_Tests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_rig_starts_cloud_and_gateway_as_processes_the_app_reaches_the_cloud_and_the_leds_show_the_softap()
    {
        await Scenario.RunAsync(output, Scenario.Options, async (rig, ct) =>
        {
            Assert.True(rig.CloudProcess.Process!.IsRunning);
            Assert.True(rig.Gateway.Process!.IsRunning);
            Assert.NotEqual(rig.CloudProcess.Process.Pid, rig.Gateway.Process.Pid);

            var user = await rig.App.SignUpAsync(rig.Cloud, "alice", ct);
            var gateways = await rig.App.RunAsync(user, ["gateways", "--json"], cancellationToken: ct);
            Assert.True(gateways.ExitCode == 0, gateways.ToString());
            Assert.Equal(System.Text.Json.JsonValueKind.Array, gateways.Json.ValueKind);
            Assert.Equal(0, gateways.Json.GetArrayLength());

            var leds = await rig.WaitForLedPatternAsync(LedState.SoftApWaiting, TimeSpan.FromSeconds(10), ct);
            Assert.Equal([LedState.SoftApWaiting], LedPatternMatcher.Identify(leds));
            Assert.Contains("pi_cloud_sessions_online", await rig.Cloud.GetAsync("/metrics", ct), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task In_netns_mode_dnsmasq_with_the_gateways_config_leases_the_app_a_softap_address_and_the_namespaces_go_away_after()
    {
        if (!SimulatedRig.NetnsPossible)
        {
            output.WriteLine("not root or no ip netns: the loopback mode runs instead (this test checks the netns mode)");
            Assert.False(NetworkNamespace.CanCreate);
            return;
        }
        string[] names = [];
        await Scenario.RunAsync(output, Scenario.Options with { UseNetns = true }, async (rig, ct) =>
        {
            Assert.Equal(RigMode.SimulatedNetns, rig.Mode);
            names = [rig.Network!.App.Name, rig.Network.Gateway.Name];
            Assert.All(names, n => Assert.True(NetworkNamespace.Exists(n)));
            var address = IPAddress.Parse(rig.AppSoftApAddress!);
            var bytes = address.GetAddressBytes();
            Assert.Equal([192, 168, 4], bytes[..3]);
            Assert.InRange(bytes[3], 10, 100); // the generated dhcp-range
            Assert.Contains(rig.AppSoftApAddress!, rig.DnsmasqLeases(), StringComparison.Ordinal);
            Assert.Contains(rig.Dnsmasq!.Lines, l => l.Contains("DHCPACK", StringComparison.Ordinal) && l.Contains(rig.AppSoftApAddress!, StringComparison.Ordinal));
            // The cloud is only in the APP's namespace: the gateway's namespace reaches it over the veth.
            var ping = await rig.Network.Gateway.ExecAsync(rig.Log, "ip", ["route", "get", RigNetwork.RouterAddress.ToString()]);
            Assert.Contains(rig.Network.GatewayInterface, ping.Stdout, StringComparison.Ordinal);
            await Task.CompletedTask;
        });
        Assert.All(names, n => Assert.False(NetworkNamespace.Exists(n)));
    }
}
