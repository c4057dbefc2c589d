using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pi.Gateway.Core;
using Pi.Gateway.Hosting;
using Pi.Gateway.State;
using Pi.Gateway.Tests.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Hosting;

/// <summary>
/// With the default <c>Provisioning:BindAddress</c> (0.0.0.0, which broadcasts need) the unjoined
/// gateway advertises its softAP address in deviceInfo. Found by the HIL rig (hil-tests): the
/// service faulted at start instead ("the context needs an Ip for deviceInfo"); and after the join
/// the second search (on the router's LAN) was answered with the softAP's address and joined=false.
/// </summary>
public sealed class Softap_Bind_All_Tests
{
    [Fact]
    public async Task A_gateway_bound_to_all_interfaces_answers_searches_with_its_softap_address()
    {
        var directory = Directory.CreateTempSubdirectory("pi-gw-bindall-").FullName;
        try
        {
            var networks = Path.Combine(directory, "networks.json");
            await File.WriteAllTextAsync(networks, """{"macAddress":"02:00:00:aa:bb:cd","joinDelay":"00:00:00.050","networks":[{"ssid":"home","password":"router password","ip":"192.168.1.77"}]}""");
            using var answerSocket = TestApp.BindAnswerSocket(0);
            var answerPort = ((IPEndPoint)answerSocket.LocalEndPoint!).Port;
            string[] args =
            [
                "--Wifi:Driver=Simulated", $"--Wifi:SimulatedNetworksFile={networks}",
                "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={Path.Combine(directory, "gpio.sock")}",
                $"--State:DataDirectory={Path.Combine(directory, "state")}",
                "--Provisioning:BindAddress=0.0.0.0", "--Provisioning:SearchPort=0", "--Provisioning:SessionPort=0",
                $"--Provisioning:AnswerPort={answerPort}", "--Provisioning:BroadcastAddress=127.255.255.255",
                "--Bridge:Enabled=false", "--Logging:LogLevel:Default=Warning",
                // A quick fail-safe, so the test sees a join that never reaches Online rolled back.
                "--Gateway:StateMachine:WifiJoinTimeout=00:00:01", "--Gateway:StateMachine:CompletionGrace=00:00:01",
                "--Gateway:StateMachine:LoginTimeout=00:00:01", "--Gateway:StateMachine:FailSafeTimeout=00:00:06",
            ];
            using var host = GatewayApp.CreateBuilder(args).Build();
            var runner = host.Services.GetRequiredService<GatewayRunner>();
            var states = System.Threading.Channels.Channel.CreateUnbounded<GatewayState>();
            runner.Transitioned += t => states.Writer.TryWrite(t.To);
            await host.StartAsync();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            {
                GatewayState state;
                while ((state = await states.Reader.ReadAsync(timeout.Token)) is not (GatewayState.Unprovisioned or GatewayState.Fault))
                {
                }
                Assert.Equal(GatewayState.Unprovisioned, state);
            }
            var identity = await host.Services.GetRequiredService<IGatewayStateStore>().LoadOrCreateIdentityAsync("02:00:00:AA:BB:CD", null, default);
            using var app = new TestApp(identity.Mac.ToUpperInvariant(), ProvisioningSecret.FromSetupCode(identity.SetupCode), answerPort, null);
            var found = await app.SearchAsync(new IPEndPoint(IPAddress.Loopback, runner.ProvisioningServer!.SearchEndPoint!.Port), TestTimeouts.Token());
            Assert.Equal("192.168.4.1", found.Info.Ip);
            Assert.False(found.Info.Joined);

            // After the join the APP searches again on the router's LAN: deviceInfo names the joined address.
            // (This host has no softAP: the test APP reaches the listener, bound to all addresses, on loopback.)
            await using (var session = await app.ConnectAsync(found with { Info = found.Info with { Ip = "127.0.0.1" } }, TestTimeouts.Token()))
            {
                var joined = Assert.IsType<WifiResult>(await session.RequestAsync(new WifiCredentials("home", new SecretString("router password")), TestTimeouts.Token()));
                Assert.True(joined.Joined);
            }
            var again = await app.SearchAsync(new IPEndPoint(IPAddress.Loopback, runner.ProvisioningServer!.SearchEndPoint!.Port), TestTimeouts.Token());
            Assert.True(again.Info.Joined);
            Assert.Equal("192.168.1.77", again.Info.Ip);

            // No registration arrives: the fail-safe rolls back to the softAP, and deviceInfo names the
            // softAP's address again (not the router-LAN one, which the APP cannot reach from there).
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                while (await states.Reader.ReadAsync(timeout.Token) != GatewayState.Unprovisioned)
                {
                }
            }
            var rolledBack = await app.SearchAsync(new IPEndPoint(IPAddress.Loopback, runner.ProvisioningServer!.SearchEndPoint!.Port), TestTimeouts.Token());
            Assert.False(rolledBack.Info.Joined);
            Assert.Equal("192.168.4.1", rolledBack.Info.Ip);
            await host.StopAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
