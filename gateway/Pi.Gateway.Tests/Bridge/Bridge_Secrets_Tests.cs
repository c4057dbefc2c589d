using MQTTnet;
using Microsoft.Extensions.Logging;
using Pi.Gateway.Tests.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>No key, password or token appears in the bridge's or the cloud client's logs, at any level.</summary>
public sealed class Bridge_Secrets_Tests
{
    [Fact]
    public async Task A_whole_bridge_session_with_refusals_logs_no_secret()
    {
        var log = new CapturedLog();
        await using var harness = await BridgeHarness.StartAsync(o => o.RateBurst = 3, log: log);
        await harness.OnlineAsync();
        await using var device = await harness.LinkedDeviceAsync("switch");
        device.OnCommand = r => new SessionResponse(r.Txn, true);
        await device.TelemetryAsync(20);
        Assert.True((await harness.CommandAsync("switch.get", device.Did)).Ok);
        await using (var wrong = harness.Device(device.Did, SymmetricKey.Generate()))
        {
            await wrong.ConnectAsync();
        }
        var tampered = device.Seal(new SessionRequest("u9", "telemetry"));
        tampered[^1] ^= 1;
        await device.PublishAsync(Topics.DeviceUp(device.Did), tampered);
        for (var i = 0; i < 5; i++)
        {
            await device.TelemetryAsync(i);
        }
        var session = harness.Client.Session!;
        await harness.RemoveSubDeviceAsync(device.Did);

        var secrets = new List<string>
        {
            device.LocalKey.ToBase64(),
            Convert.ToHexString(device.LocalKey.Bytes),
            KeyDerivation.DeriveLanPassword(device.LocalKey, device.Did).Reveal(),
            harness.Registration.Password,
            harness.Registration.AccessKey,
            harness.Registration.LocalKey,
            session.SessionToken.Reveal(),
            session.SessionKey.ToBase64(),
        };
        var lines = log.Lines;
        Assert.Contains(lines, l => l.Level >= LogLevel.Warning); // the refusals were logged
        foreach (var line in lines)
        {
            var text = line.Message + " " + line.Exception;
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
