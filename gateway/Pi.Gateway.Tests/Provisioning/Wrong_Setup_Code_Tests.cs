using System.Security.Cryptography;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// The setup code authenticates provisioning (docs/protocol.md sections 3 and 14): without it
/// nothing opens on either side, and the gateway logs each refusal.
/// </summary>
public sealed class Wrong_Setup_Code_Tests
{
    [Fact]
    public async Task An_APP_with_the_wrong_setup_code_gets_no_answer_and_the_gateway_logs_the_refusal()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var wrong = harness.NewApp(secret: ProvisioningSecret.FromSetupCode(SetupCode.Generate()));
        var right = harness.NewApp();

        await wrong.SendAsync(wrong.SealSearch(), harness.SearchEndPoint, TestTimeouts.Token());
        await harness.Log.WaitForRefusalAsync(2011, "authentication_failed");

        await Search_Refusal_Tests.AssertNextAnswerIsForAsync(harness, right);
        Assert.Equal(1, harness.Server.PendingSessionCount);
    }

    [Fact]
    public async Task An_eavesdropper_without_the_code_can_neither_open_deviceInfo_nor_take_the_APPs_pending_session()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var app = harness.NewApp(RandomNumberGenerator.GetBytes(16));
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());

        // It heard the broadcast answer; it has its own key pair but not the setup code.
        var eavesdropper = harness.NewApp(secret: ProvisioningSecret.FromSetupCode(SetupCode.Generate()));
        var opened = Assert.Throws<ProtocolException>(() => eavesdropper.OpenDeviceInfo(gateway.Datagram));
        Assert.Equal(ProtocolErrorCode.AuthenticationFailed, opened.Code);

        // It connects first, naming the gateway public key it overheard, under the agreekey it can make.
        using var ownKeys = EphemeralKeyPair.Generate();
        var guessed = KeyDerivation.DeriveAgreeKey(ownKeys, ProvisioningRole.App, gateway.GatewayPublicKey, eavesdropper.Secret);
        await using (var intruder = await eavesdropper.ConnectAsync(gateway with { AgreeKey = guessed }, TestTimeouts.Token()))
        {
            await intruder.SendRawAsync(intruder.Seal(new GetSsidList()), TestTimeouts.Token());
            Assert.Empty(await intruder.ReadUntilClosedAsync(TestTimeouts.Token()));
        }
        await harness.Log.WaitForRefusalAsync(2020, "authentication_failed");

        // The APP's pending session is untouched: its connection still works.
        await using var session = await app.ConnectAsync(gateway, TestTimeouts.Token());
        Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        Assert.DoesNotContain(harness.Handler.Events, e => e is StoreEvent or JoinEvent);
    }
}
