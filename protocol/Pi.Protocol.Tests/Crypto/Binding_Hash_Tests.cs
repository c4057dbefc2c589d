using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Crypto;

public sealed class Binding_Hash_Tests
{
    private const string VerificationCode = "VC-1042029";

    [Fact]
    public void Is_sha256_over_label_code_and_nonce_separated_by_zero_bytes()
    {
        var nonce = Bytes(16, 0x30);
        byte[] input = [.. "pi-gateway/v2 bind"u8, 0, .. Encoding.UTF8.GetBytes(VerificationCode), 0, .. nonce];
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(input)), BindingHash.Compute(VerificationCode, nonce));
    }

    [Fact]
    public void Is_64_lower_case_hex_digits_and_deterministic()
    {
        var hash = BindingHash.Compute(VerificationCode, Bytes(16));
        Assert.Equal(64, hash.Length);
        Assert.All(hash, c => Assert.True(char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'));
        Assert.Equal(hash, BindingHash.Compute(VerificationCode, Bytes(16)));
    }

    [Fact]
    public void Depends_on_the_code_and_the_nonce()
    {
        var hash = BindingHash.Compute(VerificationCode, Bytes(16));
        Assert.NotEqual(hash, BindingHash.Compute("VC-1042028", Bytes(16)));
        Assert.NotEqual(hash, BindingHash.Compute(VerificationCode, Bytes(16, 2)));
        Assert.NotEqual(hash, BindingHash.Compute(VerificationCode, Bytes(17)));
    }

    [Fact]
    public void Verify_accepts_the_hash_and_nothing_else()
    {
        var nonce = Bytes(20);
        var hash = BindingHash.Compute(VerificationCode, nonce);
        Assert.True(BindingHash.Verify(VerificationCode, nonce, hash));
        Assert.False(BindingHash.Verify(VerificationCode, nonce, hash.ToUpperInvariant()));
        Assert.False(BindingHash.Verify(VerificationCode, nonce, hash[..63]));
        Assert.False(BindingHash.Verify(VerificationCode, nonce, hash + "0"));
        Assert.False(BindingHash.Verify(VerificationCode, nonce, ""));
        Assert.False(BindingHash.Verify(VerificationCode, Bytes(20, 2), hash));
        Assert.False(BindingHash.Verify("other", nonce, hash));
        Assert.Throws<ArgumentNullException>(() => BindingHash.Verify(VerificationCode, nonce, null!));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void Nonces_of_16_to_32_bytes_are_accepted(int size) =>
        Assert.Equal(64, BindingHash.Compute(VerificationCode, new byte[size]).Length);

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(33)]
    public void Other_nonce_sizes_are_invalid_fields(int size)
    {
        Throws(ProtocolErrorCode.InvalidField, () => BindingHash.Compute(VerificationCode, new byte[size]));
        Throws(ProtocolErrorCode.InvalidField, () => BindingHash.Verify(VerificationCode, new byte[size], new string('0', 64)));
    }

    [Fact]
    public void The_verification_code_is_1_to_128_characters()
    {
        Assert.Equal(64, BindingHash.Compute(new string('x', 128), Bytes(16)).Length);
        Throws(ProtocolErrorCode.InvalidField, () => BindingHash.Compute("", Bytes(16)));
        Throws(ProtocolErrorCode.InvalidField, () => BindingHash.Compute(new string('x', 129), Bytes(16)));
        Assert.Throws<ArgumentNullException>(() => BindingHash.Compute(null!, Bytes(16)));
    }
}
