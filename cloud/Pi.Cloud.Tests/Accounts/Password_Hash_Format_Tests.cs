using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Pi.Cloud.Accounts;
using Pi.Cloud.Options;

namespace Pi.Cloud.Tests.Accounts;

public sealed class Password_Hash_Format_Tests
{
    private readonly PasswordHasher _hasher = new(1000);

    [Fact]
    public void Is_self_describing_with_a_16_byte_salt_and_a_32_byte_hash()
    {
        var parts = _hasher.Hash("correct horse").Split('$');

        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal("1000", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void Is_pbkdf2_hmac_sha256_of_the_utf8_password_over_the_stored_salt()
    {
        const string password = "pässwörd 🔑";
        var parts = _hasher.Hash(password).Split('$');

        var expected = Rfc2898DeriveBytes.Pbkdf2(
            System.Text.Encoding.UTF8.GetBytes(password),
            Convert.FromBase64String(parts[2]),
            int.Parse(parts[1], CultureInfo.InvariantCulture),
            HashAlgorithmName.SHA256,
            32);
        Assert.Equal(Convert.ToBase64String(expected), parts[3]);
    }

    [Fact]
    public void Uses_a_fresh_salt_for_every_hash()
    {
        var first = _hasher.Hash("same password");
        var second = _hasher.Hash("same password");

        Assert.NotEqual(first.Split('$')[2], second.Split('$')[2]);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Takes_the_iteration_count_from_the_account_options()
    {
        var options = new CloudOptions();
        options.Accounts.PasswordHashIterations = 4321;

        var hasher = new PasswordHasher(Microsoft.Extensions.Options.Options.Create(options));

        Assert.Equal(4321, hasher.Iterations);
        Assert.StartsWith("pbkdf2-sha256$4321$", hasher.Hash("a long password"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_000_001)]
    public void Refuses_an_iteration_count_out_of_range(int iterations)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(iterations));
    }

    [Fact]
    public void Refuses_to_hash_an_empty_an_over_long_or_broken_password()
    {
        Assert.Throws<ArgumentException>(() => _hasher.Hash(""));
        Assert.Throws<ArgumentException>(() => _hasher.Hash(new string('x', PasswordHasher.MaxPasswordLength + 1)));
        Assert.Throws<ArgumentException>(() => _hasher.Hash("lone \ud800 surrogate"));
        Assert.Throws<ArgumentNullException>(() => _hasher.Hash(null!));
    }

    [Fact]
    public void Hashes_a_password_of_the_longest_accepted_length()
    {
        var password = new string('x', PasswordHasher.MaxPasswordLength);

        Assert.True(_hasher.Verify(password, _hasher.Hash(password)));
    }

    [Fact]
    public void Options_create_is_the_ordinary_ioptions()
    {
        IOptions<CloudOptions> options = Microsoft.Extensions.Options.Options.Create(new CloudOptions());

        Assert.Equal(new AccountOptions().PasswordHashIterations, new PasswordHasher(options).Iterations);
    }
}
