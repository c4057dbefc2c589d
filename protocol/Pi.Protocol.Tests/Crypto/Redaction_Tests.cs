using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Crypto;

/// <summary>Records that hold secrets can be logged: their ToString never shows a password or key.</summary>
public sealed class Redaction_Tests
{
    private const string Password = "correct-horse-battery-staple";
    private static readonly SymmetricKey AccessKey = Key(0x10);
    private static readonly SymmetricKey LocalKey = Key(0x60);
    private static readonly DateTimeOffset Expiry = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private static void AssertHidesSecrets(object record, params string[] secrets)
    {
        var text = record.ToString()!;
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Contains("***", text, StringComparison.Ordinal);
    }

    private static string[] KeyForms(SymmetricKey key) => [key.ToBase64(), Convert.ToHexString(key.Bytes)];

    [Fact]
    public void RegistrationInfo_hides_its_password_and_keys() =>
        AssertHidesSecrets(
            new RegistrationInfo("gw-1", new SecretString(Password), AccessKey, LocalKey, 1, Expiry, Expiry),
            [Password, .. KeyForms(AccessKey), .. KeyForms(LocalKey)]);

    [Fact]
    public void WifiCredentials_hide_the_router_password() =>
        AssertHidesSecrets(new WifiCredentials("HomeNet", new SecretString(Password)), Password);

    [Fact]
    public void LoginRequest_hides_the_password() =>
        AssertHidesSecrets(new LoginRequest("gw-1", new SecretString(Password), Bytes(16)), Password);

    [Fact]
    public void LoginReply_hides_the_session_key_and_token()
    {
        var sessionKey = Key(0x33);
        AssertHidesSecrets(
            new LoginReply(9, sessionKey, new SecretString(Password), Expiry, Expiry, Expiry),
            [Password, .. KeyForms(sessionKey)]);
    }

    [Fact]
    public void Key_carrying_session_messages_hide_their_keys()
    {
        AssertHidesSecrets(new SubDeviceAdded("t1", "dev-1", AccessKey, LocalKey, 2, Expiry), [.. KeyForms(AccessKey), .. KeyForms(LocalKey)]);
        AssertHidesSecrets(new KeyRotation("t2", 3, AccessKey, LocalKey, Expiry), [.. KeyForms(AccessKey), .. KeyForms(LocalKey)]);
    }

    [Fact]
    public void Setup_codes_and_provisioning_secrets_hide_the_code()
    {
        var code = SetupCode.Parse(ZeroSetupCode);
        Assert.Equal("SetupCode(***)", code.ToString());
        var secret = ProvisioningSecret.FromSetupCode(code);
        Assert.Equal("ProvisioningSecret(setup code)", secret.ToString());
        Assert.DoesNotContain(Convert.ToHexString(code.ComputeSecret()), secret.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("ProvisioningSecret(open mode)", ProvisioningSecret.OpenMode.ToString());
    }

    [Fact]
    public void A_key_pair_prints_only_the_start_of_its_public_key()
    {
        using var pair = EphemeralKeyPair.Generate();
        Assert.Equal($"EphemeralKeyPair(public {Convert.ToHexString(pair.PublicKey[..8])}...)", pair.ToString());
    }
}
