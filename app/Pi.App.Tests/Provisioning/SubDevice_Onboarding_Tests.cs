using System.Net;
using Pi.App.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.SubDevice.Onboarding;

namespace Pi.App.Tests.Provisioning;

/// <summary>The APP's provisioning library against the real sub-device onboarding responder (section 6.1).</summary>
public sealed class SubDevice_Onboarding_Tests
{
    private const string Mac = "B8:27:EB:00:00:07";

    [Fact]
    public async Task The_APP_finds_the_sub_device_and_delivers_subDeviceInfo_for_a_subDeviceAck()
    {
        var code = SetupCode.Generate();
        int port1 = FreePorts.Udp(), port2 = FreePorts.Udp(), port3 = FreePorts.Tcp();
        var stored = new TaskCompletionSource<SubDeviceInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var responder = new OnboardingResponder(
            new OnboardingOptions(Mac, code, IPAddress.Loopback, port1, port2, port3),
            (info, _) =>
            {
                stored.TrySetResult(info);
                return Task.CompletedTask;
            });
        await responder.StartAsync(CancellationToken.None);
        using var app = new ProvisioningClient(Mac.ToLowerInvariant(), ProvisioningSecret.FromSetupCode(code), new SearchOptions
        {
            SearchEndPoint = new IPEndPoint(IPAddress.Loopback, port1),
            AnswerPort = port2,
            Timeout = TestTimeouts.Wait,
            ReplyTimeout = TestTimeouts.Wait,
        });

        var found = await app.SearchAsync(TestTimeouts.Token());
        Assert.Equal((Mac, "pi-subdevice", port3), (found.Info.Mac, found.Info.Product, found.SessionEndPoint.Port));
        await using var session = await app.ConnectAsync(found, TestTimeouts.Token());
        var networks = await session.GetSsidListAsync(cancellationToken: TestTimeouts.Token());
        var wifi = await session.JoinWifiAsync(new WifiCredentials(networks[0].Ssid, new SecretString("correct horse")), TestTimeouts.Token());
        Assert.Equal(WifiOutcomeKind.Joined, wifi.Kind);
        var delivered = new SubDeviceInfo("sd-7", SymmetricKey.Generate(), 3, DateTimeOffset.UtcNow.AddDays(365), "mqtt://127.0.0.1:1883", Kind: "switch");
        var ack = await session.DeliverSubDeviceAsync(delivered, TestTimeouts.Token());

        Assert.Equal("sd-7", ack.Did);
        Assert.Equal(delivered.LocalKey, (await stored.Task.WaitAsync(TestTimeouts.Wait)).LocalKey);
        Assert.Equal("sd-7", (await responder.Onboarded.WaitAsync(TestTimeouts.Wait)).Did);
    }

    [Fact]
    public async Task An_expired_key_is_refused_with_its_protocol_code()
    {
        var code = SetupCode.Generate();
        int port1 = FreePorts.Udp(), port2 = FreePorts.Udp(), port3 = FreePorts.Tcp();
        await using var responder = new OnboardingResponder(new OnboardingOptions(Mac, code, IPAddress.Loopback, port1, port2, port3), (_, _) => Task.CompletedTask);
        await responder.StartAsync(CancellationToken.None);
        using var app = new ProvisioningClient(Mac, ProvisioningSecret.FromSetupCode(code), new SearchOptions
        {
            SearchEndPoint = new IPEndPoint(IPAddress.Loopback, port1),
            AnswerPort = port2,
            Timeout = TestTimeouts.Wait,
            ReplyTimeout = TestTimeouts.Wait,
        });
        await using var session = await app.SearchAndConnectAsync(TestTimeouts.Token());

        var expired = new SubDeviceInfo("sd-8", SymmetricKey.Generate(), 3, DateTimeOffset.UtcNow.AddDays(-1), "mqtt://127.0.0.1:1883");
        var failure = await Assert.ThrowsAsync<ProvisioningClientException>(() => session.DeliverSubDeviceAsync(expired, TestTimeouts.Token()));

        Assert.Equal(ProvisioningFailure.Refused, failure.Failure);
        Assert.Equal(Pi.Protocol.Errors.ProtocolErrorCode.KeyExpired, failure.Code);
    }
}
