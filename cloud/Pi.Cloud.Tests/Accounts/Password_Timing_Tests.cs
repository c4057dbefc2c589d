using Pi.Cloud.Accounts;

namespace Pi.Cloud.Tests.Accounts;

/// <summary>
/// Timing equivalence, by counting PBKDF2 work rather than by the clock: every kind of check
/// derives exactly one 32-byte key with the configured iteration count.
/// </summary>
public sealed class Password_Timing_Tests
{
    private readonly CountingHasher _counting = new();

    private PasswordHasher Hasher => _counting.Hasher;

    private static readonly (int, int)[] OneFullDerivation = [(CountingHasher.Iterations, PasswordHasher.HashSize)];

    [Fact]
    public void A_right_and_a_wrong_password_cost_the_same()
    {
        var stored = Hasher.Hash("the password");
        _counting.TakeCalls();

        Hasher.Verify("the password", stored);
        var right = _counting.TakeCalls();
        Hasher.Verify("not the password", stored);
        var wrong = _counting.TakeCalls();

        Assert.Equal(OneFullDerivation, right);
        Assert.Equal(OneFullDerivation, wrong);
    }

    [Fact]
    public void A_dummy_check_costs_what_a_real_one_costs()
    {
        Hasher.VerifyDummy("whatever the caller typed");

        Assert.Equal(OneFullDerivation, _counting.TakeCalls());
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("pbkdf2-sha256$10000000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$")]
    [InlineData("pbkdf2-sha256$99999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void A_malformed_stored_hash_costs_what_a_real_check_costs(string stored)
    {
        Assert.False(Hasher.Verify("the password", stored));

        Assert.Equal(OneFullDerivation, _counting.TakeCalls());
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("lone surrogate")]
    [InlineData("too long")]
    public void An_unacceptable_password_costs_what_a_real_check_costs(string kind)
    {
        // Built here: xunit cannot carry a lone surrogate through InlineData.
        var password = kind switch
        {
            "empty" => "",
            "lone surrogate" => "ab\ud800cd",
            _ => new string('p', PasswordHasher.MaxPasswordLength + 1),
        };
        var stored = Hasher.Hash("the password");
        _counting.TakeCalls();

        Assert.False(Hasher.Verify(password, stored));
        Assert.Equal(OneFullDerivation, _counting.TakeCalls());

        Assert.False(Hasher.VerifyDummy(password));
        Assert.Equal(OneFullDerivation, _counting.TakeCalls());
    }

    [Fact]
    public void Hashing_costs_one_derivation_too()
    {
        Hasher.Hash("the password");

        Assert.Equal(OneFullDerivation, _counting.TakeCalls());
    }
}
