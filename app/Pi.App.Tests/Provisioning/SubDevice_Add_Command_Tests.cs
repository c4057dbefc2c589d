using System.Globalization;
using System.Net;
using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.SubDevice.Client;
using Pi.SubDevice.Emulation;
using Pi.SubDevice.Onboarding;

namespace Pi.App.Tests.Provisioning;

/// <summary>
/// <c>subdevices add</c> against the real gateway service (provisioned by <c>provision</c>), its LAN
/// bridge, the real cloud, and an emulated switch from Pi.SubDevice that answers the onboarding
/// (OnboardingResponder) and then links with what it was given.
/// </summary>
public sealed class SubDevice_Add_Command_Tests : IClassFixture<CloudFixture>, IDisposable
{
    private const string UserPassword = "correct horse battery";
    private readonly CloudFixture _cloud;
    private readonly string _configDir = Directory.CreateTempSubdirectory("pi-app-sub-").FullName;
    private readonly List<CliResult> _runs = [];

    public SubDevice_Add_Command_Tests(CloudFixture cloud)
    {
        _cloud = cloud;
    }

    public void Dispose() => Directory.Delete(_configDir, recursive: true);

    [Fact]
    public async Task A_switch_is_onboarded_links_through_the_gateway_comes_online_and_answers_a_command()
    {
        await using var gateway = await ServiceGateway.StartAsync(_cloud.Host);
        var user = await _cloud.Host.NewUserAsync();
        await RunOkAsync("", "login", "--cloud", _cloud.Url, "--email", user.Email, "--password", UserPassword, "--trust", _cloud.Trust);
        var provisioned = await RunOkAsync(ServiceGateway.RouterPassword + "\n", ["provision", "--qr", gateway.Qr, "--ssid", ServiceGateway.Ssid, "--password-stdin",
            "--verification-code", gateway.VerificationCode, "--json", .. gateway.SearchArgs()]);
        string tid;
        using (var json = JsonDocument.Parse(provisioned.Stdout))
        {
            tid = json.RootElement.GetProperty("tid").GetString()!;
        }

        // The sub-device: its label (MAC, setup code), its onboarding responder, and on delivery its client.
        const string subMac = "02:5D:00:00:00:07";
        var code = SetupCode.Generate();
        int port1 = FreePorts.Udp(), port2 = FreePorts.Udp(), port3 = FreePorts.Tcp();
        SubDeviceClient? device = null;
        SwitchEmulator? light = null;
        var linked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var responder = new OnboardingResponder(new OnboardingOptions(subMac, code, IPAddress.Loopback, port1, port2, port3), async (info, ct) =>
        {
            device = new SubDeviceClient(new SubDeviceClientOptions(info.Did, info.LocalKey, BrokerEndpoint.Parse(info.Broker, info.BrokerFingerprint)));
            device.Linked += (_, _) => linked.TrySetResult();
            light = new SwitchEmulator(device);
            await device.StartAsync(CancellationToken.None);
        });
        await responder.StartAsync(CancellationToken.None);
        try
        {
            var broker = $"mqtt://127.0.0.1:{gateway.Bridge.Endpoint!.Port.ToString(CultureInfo.InvariantCulture)}";
            var added = await RunAsync("", ["subdevices", "add", tid, "--mac", subMac, "--setup-code", code.ToDisplayString(), "--kind", "switch", "--name", "lamp",
                "--broker", broker, "--search", $"127.0.0.1:{port1.ToString(CultureInfo.InvariantCulture)}", "--answer-port", port2.ToString(CultureInfo.InvariantCulture),
                "--timeout", "15", "--online-timeout", "30", "--json"]);

            Assert.True(added.ExitCode == 0, added.ToString());
            string did;
            using (var json = JsonDocument.Parse(added.Stdout))
            {
                Assert.Equal("added", json.RootElement.GetProperty("outcome").GetString());
                Assert.Equal(tid, json.RootElement.GetProperty("tid").GetString());
                Assert.True(json.RootElement.GetProperty("online").GetBoolean());
                Assert.False(json.RootElement.TryGetProperty("secrets", out _));
                did = json.RootElement.GetProperty("did").GetString()!;
            }
            foreach (var step in new[] { "search:", "register:", "pairing:", "deliver:", "online:" })
            {
                Assert.Contains(step, added.Stderr, StringComparison.Ordinal);
            }
            var onboarded = await responder.Onboarded.WaitAsync(TestTimeouts.Wait);
            Assert.Equal((did, broker, "switch"), (onboarded.Did, onboarded.Broker, onboarded.Kind));
            await linked.Task.WaitAsync(TestTimeouts.Wait);

            // The cloud shows it online; a command goes through the cloud and the gateway to it and back.
            using (var list = JsonDocument.Parse((await RunOkAsync("", "gateways", "--json")).Stdout))
            {
                var sub = Assert.Single(Assert.Single(list.RootElement.EnumerateArray()).GetProperty("subDevices").EnumerateArray());
                Assert.Equal(did, sub.GetProperty("did").GetString());
                Assert.True(sub.GetProperty("online").GetBoolean());
            }
            var reply = await RunOkAsync("", "send", tid, SwitchEmulator.SetCommand, "--did", did, "--args", "{\"on\":true}", "--json");
            using (var json = JsonDocument.Parse(reply.Stdout))
            {
                Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
            }
            Assert.True(light!.IsOn);

            foreach (var run in _runs)
            {
                Assert.DoesNotContain(onboarded.LocalKey.ToBase64(), run.Stdout + run.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain(code.ToCanonicalString(), run.Stdout + run.Stderr, StringComparison.Ordinal);
            }
        }
        finally
        {
            if (device is not null)
            {
                await device.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task No_sub_device_exits_9_and_an_unknown_broker_is_a_usage_error()
    {
        var user = await _cloud.Host.NewUserAsync();
        await RunOkAsync("", "login", "--cloud", _cloud.Url, "--email", user.Email, "--password", UserPassword, "--trust", _cloud.Trust);
        var registration = await user.RegisterAndBindAsync();
        var code = SetupCode.Generate().ToDisplayString();

        var noBroker = await RunAsync("", ["subdevices", "add", registration.Tid, "--mac", "02:5D:00:00:00:08", "--setup-code", code]);
        Assert.Equal(Cli.UsageError, noBroker.ExitCode);
        Assert.Contains("--broker", noBroker.Stderr, StringComparison.Ordinal);

        var nobody = await RunAsync("", ["subdevices", "add", registration.Tid, "--mac", "02:5D:00:00:00:08", "--setup-code", code, "--broker", "mqtt://127.0.0.1:1883",
            "--search", $"127.0.0.1:{FreePorts.Udp().ToString(CultureInfo.InvariantCulture)}", "--answer-port", FreePorts.Udp().ToString(CultureInfo.InvariantCulture), "--timeout", "1", "--json"]);
        Assert.Equal(Cli.NoDevice, nobody.ExitCode);
        using var json = JsonDocument.Parse(nobody.Stdout);
        Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("search", json.RootElement.GetProperty("step").GetString());
        // Nothing was registered at the cloud for a device that is not there.
        using var list = JsonDocument.Parse((await RunOkAsync("", "gateways", "--json")).Stdout);
        Assert.Empty(Assert.Single(list.RootElement.EnumerateArray()).GetProperty("subDevices").EnumerateArray());
        Assert.DoesNotContain(code, nobody.Stdout + nobody.Stderr + noBroker.Stderr, StringComparison.Ordinal);
    }

    private async Task<CliResult> RunAsync(string stdin, string[] args)
    {
        var result = await CliRunner.RunWithStdinAsync(stdin, [.. args, "--config-dir", _configDir]);
        _runs.Add(result);
        return result;
    }

    private async Task<CliResult> RunOkAsync(string stdin, params string[] args)
    {
        var result = await RunAsync(stdin, args);
        Assert.True(result.ExitCode == 0, string.Join(' ', args) + "\n" + result);
        return result;
    }
}
