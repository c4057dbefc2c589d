using Pi.App.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.App.Tests.Provisioning;

/// <summary>What the library prints never carries a secret; bad arguments fail before any socket is opened.</summary>
public sealed class Secrets_And_Arguments_Tests
{
    [Fact]
    public async Task Outcomes_and_failures_never_carry_the_setup_code_the_agreekey_or_the_Wi_Fi_password()
    {
        const string password = "sw0rdfish-not-the-router-password";
        await using var gateway = await GatewayUnderTest.StartAsync();
        using var app = gateway.NewApp();
        var found = await app.SearchAsync(TestTimeouts.Token());
        await using var session = await app.ConnectAsync(found, TestTimeouts.Token());
        var texts = new List<string> { found.ToString(), app.ToString()! };

        texts.Add((await session.JoinWifiAsync(new WifiCredentials("HomeRouter", new SecretString(password)), TestTimeouts.Token())).ToString());
        using var second = gateway.NewApp();
        await using var busy = await second.SearchAndConnectAsync(TestTimeouts.Token());
        texts.Add((await Assert.ThrowsAsync<ProvisioningClientException>(() => busy.JoinWifiAsync(new WifiCredentials("HomeRouter", new SecretString(password)), TestTimeouts.Token()))).ToString());
        using var wrong = gateway.NewApp(SetupCode.Generate(), timeout: TimeSpan.FromMilliseconds(500));
        texts.Add((await Assert.ThrowsAsync<ProvisioningClientException>(() => wrong.SearchAsync(TestTimeouts.Token()))).ToString());

        foreach (var text in texts)
        {
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(gateway.SetupCode.ToCanonicalString(), text, StringComparison.Ordinal);
            Assert.DoesNotContain(found.AgreeKey.ToBase64(), text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(found.AgreeKey.Bytes), text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("not-a-mac")]
    [InlineData("B8:27:EB:12:34")]
    public void An_invalid_MAC_is_an_argument_error(string mac) =>
        Assert.Throws<ArgumentException>(() => new ProvisioningClient(mac, ProvisioningSecret.OpenMode));

    [Fact]
    public void A_random_outside_16_to_32_bytes_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => new ProvisioningClient(GatewayUnderTest.Mac, ProvisioningSecret.OpenMode, new SearchOptions { Random = new byte[8] }));
}
