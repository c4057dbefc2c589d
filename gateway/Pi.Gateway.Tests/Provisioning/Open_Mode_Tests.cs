using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// The seed's open mode (docs/protocol.md section 3.1): empty salt, flagged in every frame, used
/// only when configured, and never mixed with the setup-code mode.
/// </summary>
public sealed class Open_Mode_Tests
{
    [Fact]
    public async Task A_gateway_configured_for_open_mode_provisions_an_open_mode_APP_and_warns_at_start()
    {
        await using var harness = await ProvisioningHarness.StartAsync(openMode: true);
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2002);

        var app = harness.NewApp(secret: ProvisioningSecret.OpenMode);
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        await using var session = await app.ConnectAsync(gateway, TestTimeouts.Token());
        Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        var joined = Assert.IsType<WifiResult>(await session.RequestAsync(
            new WifiCredentials("HomeRouter", new SecretString(FakeProvisioningHandler.RouterPassword)), TestTimeouts.Token()));
        Assert.True(joined.Joined);
        Assert.IsType<RegistrationAck>(await session.RequestAsync(ProvisioningHarness.NewRegistration(), TestTimeouts.Token()));
    }

    [Fact]
    public async Task An_open_mode_gateway_refuses_an_APP_with_a_setup_code()
    {
        await using var harness = await ProvisioningHarness.StartAsync(openMode: true);
        var coded = harness.NewApp(secret: ProvisioningSecret.FromSetupCode(SetupCode.Generate()));
        var open = harness.NewApp(secret: ProvisioningSecret.OpenMode);

        await coded.SendAsync(coded.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());
        await harness.Log.WaitForRefusalAsync(2011, "security_mode_mismatch");

        await Search_Refusal_Tests.AssertNextAnswerIsForAsync(harness, open);
    }
}
