using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Crypto;

public sealed class Ephemeral_Key_Pair_Tests
{
    // RFC 6979 A.2.5 (P-256): private key x and public key U = (Ux, Uy).
    private const string Rfc6979X = "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";
    private const string Rfc6979U = "04"
        + "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
        + "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299";

    // RFC 5903 section 8.1 (256-bit random ECP group): i, g^i, r, g^r and the x of g^ir.
    private const string Rfc5903I = "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433";
    private const string Rfc5903Gi = "04"
        + "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
        + "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3";
    private const string Rfc5903R = "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53";
    private const string Rfc5903Gr = "04"
        + "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
        + "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB";
    private const string Rfc5903Girx = "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE";

    [Fact]
    public void The_public_key_is_an_uncompressed_65_byte_point()
    {
        using var pair = EphemeralKeyPair.Generate();
        Assert.Equal(65, pair.PublicKey.Length);
        Assert.Equal(0x04, pair.PublicKey[0]);
        EphemeralKeyPair.ValidatePublicKey(pair.PublicKey);
    }

    [Fact]
    public void Generated_pairs_differ()
    {
        using var a = EphemeralKeyPair.Generate();
        using var b = EphemeralKeyPair.Generate();
        Assert.NotEqual(a.PublicKey.ToArray(), b.PublicKey.ToArray());
    }

    [Fact]
    public void FromPrivateKey_computes_the_rfc6979_public_key()
    {
        using var pair = EphemeralKeyPair.FromPrivateKey(Convert.FromHexString(Rfc6979X));
        Assert.Equal(Rfc6979U, Convert.ToHexString(pair.PublicKey));
    }

    [Fact]
    public void The_private_key_1_has_the_generator_as_public_key_and_n_minus_1_its_negation()
    {
        const string gx = "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296";
        using var one = EphemeralKeyPair.FromPrivateKey(Convert.FromHexString("0000000000000000000000000000000000000000000000000000000000000001"));
        Assert.Equal("04" + gx + "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5", Convert.ToHexString(one.PublicKey));
        using var minusOne = EphemeralKeyPair.FromPrivateKey(Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550"));
        Assert.Equal("04" + gx, Convert.ToHexString(minusOne.PublicKey)[..66]);
        Assert.NotEqual(one.PublicKey.ToArray(), minusOne.PublicKey.ToArray());
    }

    [Fact]
    public void Ecdh_matches_rfc5903()
    {
        using var initiator = EphemeralKeyPair.FromPrivateKey(Convert.FromHexString(Rfc5903I));
        using var responder = EphemeralKeyPair.FromPrivateKey(Convert.FromHexString(Rfc5903R));
        Assert.Equal(Rfc5903Gi, Convert.ToHexString(initiator.PublicKey));
        Assert.Equal(Rfc5903Gr, Convert.ToHexString(responder.PublicKey));
        Assert.Equal(Rfc5903Girx, Convert.ToHexString(initiator.DeriveSharedSecret(responder.PublicKey)));
        Assert.Equal(Rfc5903Girx, Convert.ToHexString(responder.DeriveSharedSecret(initiator.PublicKey)));
    }

    [Fact]
    public void Both_sides_derive_the_same_32_byte_secret_and_agreekey()
    {
        using var app = EphemeralKeyPair.Generate();
        using var gateway = EphemeralKeyPair.Generate();
        var appSecret = app.DeriveSharedSecret(gateway.PublicKey);
        Assert.Equal(32, appSecret.Length);
        Assert.Equal(appSecret, gateway.DeriveSharedSecret(app.PublicKey));

        var secret = ProvisioningSecret.FromSetupCode(SetupCode.Generate());
        var appKey = KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, secret);
        var gatewayKey = KeyDerivation.DeriveAgreeKey(gateway, ProvisioningRole.Gateway, app.PublicKey, secret);
        Assert.Equal(appKey, gatewayKey);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(0)]
    public void FromPrivateKey_refuses_a_scalar_of_the_wrong_size(int length) =>
        Throws(ProtocolErrorCode.InvalidKey, () => EphemeralKeyPair.FromPrivateKey(new byte[length]));

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")] // the group order n
    [InlineData("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632552")] // n + 1
    [InlineData("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF")]
    public void FromPrivateKey_refuses_a_scalar_that_is_not_a_private_key(string hex) =>
        Throws(ProtocolErrorCode.InvalidKey, () => EphemeralKeyPair.FromPrivateKey(Convert.FromHexString(hex)));

    public static TheoryData<string, byte[]> Invalid_public_keys()
    {
        var valid = Convert.FromHexString(Rfc6979U);
        var offCurve = (byte[])valid.Clone();
        offCurve[64] ^= 0x01;
        var compressed = new byte[33];
        compressed[0] = 0x02;
        valid.AsSpan(1, 32).CopyTo(compressed.AsSpan(1));
        var compressedPrefix = (byte[])valid.Clone();
        compressedPrefix[0] = 0x02;
        var origin = new byte[65];
        origin[0] = 0x04;
        var large = new byte[65];
        large.AsSpan().Fill(0xFF);
        large[0] = 0x04;
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "64 bytes without prefix", valid[1..] },
            { "66 bytes", [.. valid, 0x00] },
            { "compressed form", compressed },
            { "65 bytes with prefix 0x02", compressedPrefix },
            { "hybrid prefix 0x06", [0x06, .. valid[1..]] },
            { "point not on the curve", offCurve },
            { "all zeros", new byte[65] },
            { "0x04 then zeros", origin },
            { "coordinates above the field prime", large },
        };
    }

    [Theory]
    [MemberData(nameof(Invalid_public_keys))]
    public void Invalid_peer_keys_are_refused(string what, byte[] peer)
    {
        using var pair = EphemeralKeyPair.Generate();
        var ex = Throws(ProtocolErrorCode.InvalidPublicKey, () => pair.DeriveSharedSecret(peer));
        Assert.NotNull(what);
        Assert.Equal(ex.Code, Throws(ProtocolErrorCode.InvalidPublicKey, () => EphemeralKeyPair.ValidatePublicKey(peer)).Code);
    }

    [Fact]
    public void A_disposed_pair_cannot_derive()
    {
        var pair = EphemeralKeyPair.Generate();
        using var peer = EphemeralKeyPair.Generate();
        pair.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pair.DeriveSharedSecret(peer.PublicKey));
    }
}
