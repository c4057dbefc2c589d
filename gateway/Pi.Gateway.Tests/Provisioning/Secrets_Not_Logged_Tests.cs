using System.Security.Cryptography;
using System.Text;
using Pi.Gateway.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>Secrets never reach the log, at any level, whatever happens in the session.</summary>
public sealed class Secrets_Not_Logged_Tests
{
    [Fact]
    public async Task A_whole_provisioning_with_failures_logs_no_password_key_code_hash_or_random()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var random = RandomNumberGenerator.GetBytes(16);
        var app = harness.NewApp(random);
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        var registration = ProvisioningHarness.NewRegistration();
        const string WrongPassword = "Tr0ub4dor&3-wrong";
        await using (var session = await app.ConnectAsync(gateway, TestTimeouts.Token()))
        {
            await session.RequestAsync(new GetSsidList(), TestTimeouts.Token());
            await session.RequestAsync(new WifiCredentials("HomeRouter", new SecretString(WrongPassword)), TestTimeouts.Token());
            await session.RequestAsync(new WifiCredentials("HomeRouter", new SecretString(FakeProvisioningHandler.RouterPassword)), TestTimeouts.Token());
            await session.RequestAsync(registration, TestTimeouts.Token());

            // A second APP is turned away, and a replayed search refused, while the session runs.
            var (_, _, busy) = await harness.ConnectNewAppAsync();
            await using (busy)
            {
                await busy.RequestAsync(new GetSsidList(), TestTimeouts.Token());
            }
            await app.SendAsync(gateway.Datagram, harness.SearchEndPoint, TestTimeouts.Token());
            // Bad content ends it: a password over the limit.
            var tooLong = Encoding.UTF8.GetBytes($$"""{"ssid":"HomeRouter","password":"{{WrongPassword}}{{new string('x', 128)}}"}""");
            await session.SendRawAsync(session.SealPlaintext(ProvisioningFrameType.WifiCredentials, tooLong), TestTimeouts.Token());
            await session.ReadUntilClosedAsync(TestTimeouts.Token());
        }
        await harness.Handler.WaitForAsync<SessionEndedEvent>(e => e.Reason == ProvisioningSessionEndReason.ProtocolError);
        await harness.Server.StopAsync(CancellationToken.None);

        string[] secrets =
        [
            WrongPassword,
            FakeProvisioningHandler.RouterPassword,
            registration.Password.Reveal(),
            registration.AccessKey.ToBase64(),
            Convert.ToHexString(registration.AccessKey.Bytes),
            registration.LocalKey.ToBase64(),
            Convert.ToHexString(registration.LocalKey.Bytes),
            gateway.AgreeKey.ToBase64(),
            Convert.ToHexString(gateway.AgreeKey.Bytes),
            harness.SetupCode.ToDisplayString(),
            harness.SetupCode.ToCanonicalString(),
            harness.VerificationCode,
            gateway.Info.Hash!,
            Convert.ToBase64String(random),
            Convert.ToHexString(random),
        ];
        var lines = harness.Log.Lines;
        Assert.True(lines.Count > 10, "the run should have logged its steps");
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
