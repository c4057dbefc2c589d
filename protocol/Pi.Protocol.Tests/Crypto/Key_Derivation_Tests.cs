using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Crypto;

public sealed class Key_Derivation_Tests
{
    // Fixed key pairs (RFC 5903 section 8.1 scalars) keep the cross-checks deterministic.
    private static EphemeralKeyPair AppPair() =>
        EphemeralKeyPair.FromPrivateKey(Convert.FromHexString("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"));

    private static EphemeralKeyPair GatewayPair() =>
        EphemeralKeyPair.FromPrivateKey(Convert.FromHexString("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53"));

    private static readonly SetupCode Code = SetupCode.Parse("Z00000000000000001");

    private static byte[] Hkdf(byte[] ikm, byte[] salt, string label, params byte[][] info)
    {
        byte[] fullInfo = [.. Encoding.ASCII.GetBytes(label), .. info.SelectMany(b => b)];
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, fullInfo);
    }

    [Fact]
    public void Agreekey_is_hkdf_of_the_shared_secret_salted_with_the_setup_code()
    {
        using var app = AppPair();
        using var gateway = GatewayPair();
        var shared = app.DeriveSharedSecret(gateway.PublicKey);
        var expected = Hkdf(shared, SHA256.HashData(Encoding.ASCII.GetBytes("Z00000000000000001")),
            "pi-gateway/v2 agreekey", app.PublicKey.ToArray(), gateway.PublicKey.ToArray());

        var key = KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, ProvisioningSecret.FromSetupCode(Code));
        Assert.Equal(expected, key.Bytes.ToArray());
        Assert.Equal(key, KeyDerivation.DeriveAgreeKey(shared, app.PublicKey, gateway.PublicKey, ProvisioningSecret.FromSetupCode(Code)));
    }

    [Fact]
    public void Agreekey_in_open_mode_uses_an_empty_salt_and_differs_from_setup_code_mode()
    {
        using var app = AppPair();
        using var gateway = GatewayPair();
        var shared = app.DeriveSharedSecret(gateway.PublicKey);
        var expected = Hkdf(shared, [], "pi-gateway/v2 agreekey", app.PublicKey.ToArray(), gateway.PublicKey.ToArray());

        var open = KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, ProvisioningSecret.OpenMode);
        Assert.Equal(expected, open.Bytes.ToArray());
        Assert.NotEqual(open, KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, ProvisioningSecret.FromSetupCode(Code)));
        Assert.True(ProvisioningSecret.OpenMode.IsOpenMode);
        Assert.False(ProvisioningSecret.FromSetupCode(Code).IsOpenMode);
    }

    [Fact]
    public void Different_setup_codes_give_different_agreekeys()
    {
        using var app = AppPair();
        using var gateway = GatewayPair();
        var a = KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, ProvisioningSecret.FromSetupCode(Code));
        var b = KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, ProvisioningSecret.FromSetupCode(SetupCode.Parse(ZeroSetupCode)));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Each_role_puts_the_app_key_first_so_both_sides_agree()
    {
        using var app = AppPair();
        using var gateway = GatewayPair();
        var secret = ProvisioningSecret.FromSetupCode(Code);
        var appSide = KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, secret);
        var gatewaySide = KeyDerivation.DeriveAgreeKey(gateway, ProvisioningRole.Gateway, app.PublicKey, secret);
        Assert.Equal(appSide, gatewaySide);

        // A gateway that wrongly claims the APP role orders the keys the other way round.
        Assert.NotEqual(appSide, KeyDerivation.DeriveAgreeKey(gateway, ProvisioningRole.App, app.PublicKey, secret));
    }

    [Fact]
    public void Agreekey_refuses_public_keys_of_the_wrong_shape()
    {
        using var app = AppPair();
        var secret = ProvisioningSecret.OpenMode;
        byte[] compressed = [0x02, .. app.PublicKey[1..]];
        Throws(ProtocolErrorCode.InvalidPublicKey, () => KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, compressed, secret));
        Throws(ProtocolErrorCode.InvalidPublicKey, () => KeyDerivation.DeriveAgreeKey(new byte[32], app.PublicKey, new byte[64], secret));
        Throws(ProtocolErrorCode.InvalidPublicKey, () => KeyDerivation.DeriveAgreeKey(new byte[32], compressed, app.PublicKey, secret));
    }

    [Fact]
    public void Searchkey_is_hkdf_of_the_app_public_key_salted_with_the_setup_code()
    {
        using var app = AppPair();
        var expected = Hkdf(app.PublicKey.ToArray(), Code.ComputeSecret(), "pi-gateway/v2 searchkey");
        Assert.Equal(expected, KeyDerivation.DeriveSearchKey(app.PublicKey, ProvisioningSecret.FromSetupCode(Code)).Bytes.ToArray());
    }

    [Fact]
    public void Searchkey_depends_on_the_app_key_and_the_secret()
    {
        using var app = AppPair();
        using var other = GatewayPair();
        var secret = ProvisioningSecret.FromSetupCode(Code);
        var key = KeyDerivation.DeriveSearchKey(app.PublicKey, secret);
        Assert.Equal(key, KeyDerivation.DeriveSearchKey(app.PublicKey, ProvisioningSecret.FromSetupCode(SetupCode.Parse("z00000-000000-00000l"))));
        Assert.NotEqual(key, KeyDerivation.DeriveSearchKey(other.PublicKey, secret));
        Assert.NotEqual(key, KeyDerivation.DeriveSearchKey(app.PublicKey, ProvisioningSecret.FromSetupCode(SetupCode.Parse(ZeroSetupCode))));
        Assert.NotEqual(key, KeyDerivation.DeriveSearchKey(app.PublicKey, ProvisioningSecret.OpenMode));
        Throws(ProtocolErrorCode.InvalidPublicKey, () => KeyDerivation.DeriveSearchKey(new byte[65], secret));
    }

    [Fact]
    public void Loginkey_is_hkdf_of_the_accesskey_salted_with_the_challenge()
    {
        var accessKey = Key(0x40);
        var challenge = Bytes(16, 0xA0);
        var expected = Hkdf(accessKey.Bytes.ToArray(), challenge, "pi-gateway/v2 loginkey", Encoding.ASCII.GetBytes("gw-1042029"));
        Assert.Equal(expected, KeyDerivation.DeriveLoginKey(accessKey, challenge, "gw-1042029").Bytes.ToArray());
    }

    [Fact]
    public void Loginkey_depends_on_accesskey_challenge_and_tid()
    {
        var key = KeyDerivation.DeriveLoginKey(Key(1), Bytes(16, 1), "gw-1");
        Assert.Equal(key, KeyDerivation.DeriveLoginKey(Key(1), Bytes(16, 1), "gw-1"));
        Assert.NotEqual(key, KeyDerivation.DeriveLoginKey(Key(2), Bytes(16, 1), "gw-1"));
        Assert.NotEqual(key, KeyDerivation.DeriveLoginKey(Key(1), Bytes(16, 2), "gw-1"));
        Assert.NotEqual(key, KeyDerivation.DeriveLoginKey(Key(1), Bytes(16, 1), "gw-2"));
    }

    [Fact]
    public void Linkkey_is_hkdf_of_the_localkey_salted_with_both_nonces()
    {
        var localKey = Key(0x50);
        var deviceNonce = Bytes(16, 0x00);
        var gatewayNonce = Bytes(16, 0x80);
        var expected = Hkdf(localKey.Bytes.ToArray(), [.. deviceNonce, .. gatewayNonce], "pi-gateway/v2 linkkey", Encoding.ASCII.GetBytes("dev_7"));
        Assert.Equal(expected, KeyDerivation.DeriveLinkKey(localKey, deviceNonce, gatewayNonce, "dev_7").Bytes.ToArray());
    }

    [Fact]
    public void Linkkey_depends_on_both_nonces_their_order_and_the_did()
    {
        var key = KeyDerivation.DeriveLinkKey(Key(1), Bytes(16, 1), Bytes(16, 2), "dev-1");
        Assert.NotEqual(key, KeyDerivation.DeriveLinkKey(Key(1), Bytes(16, 3), Bytes(16, 2), "dev-1"));
        Assert.NotEqual(key, KeyDerivation.DeriveLinkKey(Key(1), Bytes(16, 1), Bytes(16, 3), "dev-1"));
        Assert.NotEqual(key, KeyDerivation.DeriveLinkKey(Key(1), Bytes(16, 2), Bytes(16, 1), "dev-1"));
        Assert.NotEqual(key, KeyDerivation.DeriveLinkKey(Key(1), Bytes(16, 1), Bytes(16, 2), "dev-2"));
        Assert.NotEqual(key, KeyDerivation.DeriveLinkKey(Key(9), Bytes(16, 1), Bytes(16, 2), "dev-1"));
    }

    [Fact]
    public void The_labels_separate_the_keys()
    {
        // Same IKM, salt and id: the login and link derivations still differ by label.
        var login = KeyDerivation.DeriveLoginKey(Key(1), Bytes(16, 1), "same");
        var link = Hkdf(Key(1).Bytes.ToArray(), Bytes(16, 1), "pi-gateway/v2 linkkey", Encoding.ASCII.GetBytes("same"));
        Assert.NotEqual(link, login.Bytes.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(32)]
    public void Nonces_and_challenges_of_the_wrong_size_are_invalid_fields(int size)
    {
        Throws(ProtocolErrorCode.InvalidField, () => KeyDerivation.DeriveLoginKey(Key(1), new byte[size], "gw-1"));
        Throws(ProtocolErrorCode.InvalidField, () => KeyDerivation.DeriveLinkKey(Key(1), new byte[size], new byte[16], "dev-1"));
        Throws(ProtocolErrorCode.InvalidField, () => KeyDerivation.DeriveLinkKey(Key(1), new byte[16], new byte[size], "dev-1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("gw/1")]
    [InlineData("gw 1")]
    [InlineData("gw+")]
    [InlineData("g\u00fcw")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 65
    public void Invalid_tids_and_dids_are_invalid_ids(string id)
    {
        Throws(ProtocolErrorCode.InvalidId, () => KeyDerivation.DeriveLoginKey(Key(1), new byte[16], id));
        Throws(ProtocolErrorCode.InvalidId, () => KeyDerivation.DeriveLinkKey(Key(1), new byte[16], new byte[16], id));
    }
}
