using System.Device.Gpio;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pi.Cloud.Http;
using Pi.Cloud.Testing;
using Pi.Gateway.Bridge;
using Pi.Gateway.Core;
using Pi.Gateway.Gpio;
using Pi.Gateway.Hosting;
using Pi.Gateway.State;
using Pi.Gateway.Tests.Bridge;
using Pi.Gateway.Tests.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Hosting;

/// <summary>
/// The service exactly as Program.cs builds it — simulated radio, state files on disk, the virtual
/// GPIO driver — provisioned by a test APP, online at the real cloud, and factory-reset by a rig
/// that holds the reset button down over the virtual driver's socket, as a HIL rig would.
/// </summary>
public sealed class Gateway_Service_Tests
{
    [Fact]
    public async Task The_service_is_provisioned_comes_online_and_is_reset_by_a_rig_pressing_the_button()
    {
        var directory = Directory.CreateTempSubdirectory("pi-gw-service-").FullName;
        try
        {
            await using var cloud = await CloudHost.StartAsync("sqlite");
            var user = await cloud.NewUserAsync();
            var networks = Path.Combine(directory, "networks.json");
            await File.WriteAllTextAsync(networks, """
                {"macAddress":"02:00:00:aa:bb:cc","joinDelay":"00:00:00.050",
                 "networks":[{"ssid":"home","password":"router password","signal":-45,"ip":"192.168.1.20"}]}
                """);
            using var answerSocket = TestApp.BindAnswerSocket(0);
            var socketPath = Path.Combine(directory, "gpio.sock");
            string[] args =
            [
                "--Wifi:Driver=Simulated", $"--Wifi:SimulatedNetworksFile={networks}",
                "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={socketPath}", "--Gpio:LongPressMs=1000",
                $"--State:DataDirectory={Path.Combine(directory, "state")}",
                "--Provisioning:BindAddress=127.0.0.1", "--Provisioning:SearchPort=0", "--Provisioning:SessionPort=0",
                $"--Provisioning:AnswerPort={((IPEndPoint)answerSocket.LocalEndPoint!).Port}", "--Provisioning:BroadcastAddress=127.255.255.255",
                $"--Cloud:TrustedCertificateSha256:0={Convert.ToHexString(cloud.CertificateHash!)}",
                "--Bridge:ListenAddress=127.0.0.1", "--Bridge:Port=0",
                "--Logging:LogLevel:Default=Warning",
            ];
            using var host = GatewayApp.CreateBuilder(args).Build();
            var runner = host.Services.GetRequiredService<GatewayRunner>();
            var states = System.Threading.Channels.Channel.CreateUnbounded<GatewayState>();
            runner.Transitioned += t => states.Writer.TryWrite(t.To); // raised after the transition's commands ran
            await host.StartAsync();
            await WaitForAsync(runner, states, GatewayState.Unprovisioned);
            var identity = await host.Services.GetRequiredService<IGatewayStateStore>().LoadOrCreateIdentityAsync("02:00:00:AA:BB:CC", null, default);

            using var app = new TestApp(identity.Mac.ToUpperInvariant(), ProvisioningSecret.FromSetupCode(identity.SetupCode), ((IPEndPoint)answerSocket.LocalEndPoint!).Port, user.Nonce);
            var found = await app.SearchAsync(runner.ProvisioningServer!.SearchEndPoint!, TestTimeouts.Token());
            await using (var session = await app.ConnectAsync(found, TestTimeouts.Token()))
            {
                var wrong = Assert.IsType<WifiResult>(await session.RequestAsync(new WifiCredentials("home", new SecretString("not the password")), TestTimeouts.Token()));
                Assert.Equal(WifiFailure.WrongPassword, wrong.Reason);
                var joined = Assert.IsType<WifiResult>(await session.RequestAsync(new WifiCredentials("home", new SecretString("router password")), TestTimeouts.Token()));
                Assert.True(joined.Joined);
                var registration = await (await user.Client.PostAsJsonAsync("/api/gateways", new
                {
                    mac = found.Info.Mac, uuid = found.Info.Uuid, sn = found.Info.Sn, hash = found.Info.Hash, verificationCode = identity.VerificationCode.Reveal(),
                })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<RegisterGatewayResponse>();
                Assert.IsType<RegistrationAck>(await session.RequestAsync(new RegistrationInfo(
                    registration!.Tid, new SecretString(registration.Password), SymmetricKey.Parse(registration.AccessKey), SymmetricKey.Parse(registration.LocalKey),
                    registration.KeyId, registration.KeyExpiresAt, registration.ServiceExpiresAt, registration.CloudUrl), TestTimeouts.Token()));
            }
            await WaitForAsync(runner, states, GatewayState.Online);
            Assert.True(File.Exists(Path.Combine(directory, "state", "registration.json")));
            var tid = (await host.Services.GetRequiredService<IGatewayStateStore>().LoadRegistrationAsync(default)).Value!.Tid;
            (await user.BindAsync(tid, identity.VerificationCode.Reveal())).EnsureSuccessStatusCode();

            // A short press opens the bridge's pairing window; a sub-device the APP added links and reports.
            var bridge = host.Services.GetRequiredService<LanBridge>();
            var pairing = new TaskCompletionSource<DateTimeOffset?>(TaskCreationOptions.RunContinuationsAsynchronously);
            bridge.PairingChanged += until => pairing.TrySetResult(until);
            await using var rig = await VirtualGpioRig.ConnectAsync(socketPath, PinValue.Low, TimeProvider.System, TestTimeouts.Token());
            await rig.PressForAsync(17, TimeSpan.FromMilliseconds(300), TestTimeouts.Token());
            Assert.NotNull(await pairing.Task.WaitAsync(TimeSpan.FromSeconds(20)));
            var added = await (await user.Client.PostAsJsonAsync($"/api/gateways/{tid}/subdevices", new { kind = "sensor" }))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AddSubDeviceResponse>();
            await using var device = new LanTestDevice(added!.Did, SymmetricKey.Parse(added.LocalKey), bridge.Endpoint!.Port);
            var keysHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            bridge.KeysReloaded += () => keysHeld.TrySetResult();
            if (!added.Delivered || host.Services.GetRequiredService<SubDeviceKeys>().Find(added.Did) is null)
            {
                await keysHeld.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            await device.LinkAsync();
            var telemetry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cloud.Service<Pi.Cloud.Sessions.GatewayPresence>().TelemetryReceived += (_, t) =>
            {
                if (t.Did == added.Did)
                {
                    telemetry.TrySetResult();
                }
            };
            await device.TelemetryAsync(22.5);
            await telemetry.Task.WaitAsync(TimeSpan.FromSeconds(10));
            var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            device.Client.DisconnectedAsync += _ =>
            {
                disconnected.TrySetResult();
                return Task.CompletedTask;
            };

            // The rig holds the reset button (BCM 17, active low) for 1.5 s over the virtual driver's socket.
            await rig.PressForAsync(17, TimeSpan.FromMilliseconds(1500), TestTimeouts.Token());
            await WaitForAsync(runner, states, GatewayState.Unprovisioned);
            await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the reset revoked the sub-device
            Assert.Equal(0, bridge.Queue.Count);
            Assert.False(File.Exists(Path.Combine(directory, "state", "registration.json")));
            Assert.True(await host.Services.GetRequiredService<IGatewayStateStore>().LoadResetFlagAsync(default));

            await host.StopAsync();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task WaitForAsync(GatewayRunner runner, System.Threading.Channels.Channel<GatewayState> states, GatewayState state, int seconds = 20)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            while (await states.Reader.ReadAsync(timeout.Token) != state)
            {
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the gateway never reached {state}; it is {runner.State}");
        }
    }
}
