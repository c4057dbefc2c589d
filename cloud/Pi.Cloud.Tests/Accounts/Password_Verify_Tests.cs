using Pi.Cloud.Accounts;

namespace Pi.Cloud.Tests.Accounts;

public sealed class Password_Verify_Tests
{
    private readonly PasswordHasher _hasher = new(1000);

    [Fact]
    public void Accepts_the_right_password()
    {
        var stored = _hasher.Hash("correct horse battery");

        Assert.True(_hasher.Verify("correct horse battery", stored));
    }

    [Theory]
    [InlineData("correct horse batter")]
    [InlineData("correct horse battery ")]
    [InlineData("Correct horse battery")]
    [InlineData("x")]
    public void Refuses_any_other_password(string attempt)
    {
        var stored = _hasher.Hash("correct horse battery");

        Assert.False(_hasher.Verify(attempt, stored));
    }

    [Fact]
    public void Accepts_a_hash_made_with_another_iteration_count()
    {
        var old = new PasswordHasher(1500).Hash("an older password");

        Assert.True(_hasher.Verify("an older password", old));
    }

    [Fact]
    public void Reads_non_ascii_passwords_as_utf8()
    {
        const string password = "密码 contraseña 🔐";

        Assert.True(_hasher.Verify(password, _hasher.Hash(password)));
        Assert.False(_hasher.Verify("密码 contrasena 🔐", _hasher.Hash(password)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbkdf2-sha256")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$extra")]
    [InlineData("pbkdf2-sha1$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("PBKDF2-SHA256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$01000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$-1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$+1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$ 1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$10000001$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$2147483647$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$99999999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("pbkdf2-sha256$1000$not base64!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$%%%")]
    [InlineData("$$$")]
    [InlineData("plain text password")]
    public void Refuses_a_malformed_stored_hash_without_throwing(string stored)
    {
        Assert.False(_hasher.Verify("plain text password", stored));
        Assert.True(_hasher.NeedsRehash(stored));
    }

    [Fact]
    public void Refuses_a_null_or_huge_stored_hash_without_throwing()
    {
        Assert.False(_hasher.Verify("password", null!));
        Assert.False(_hasher.Verify("password", new string('$', 100_000)));
    }

    [Fact]
    public void Refuses_a_stored_hash_whose_digest_was_changed()
    {
        var stored = _hasher.Hash("password one");
        var parts = stored.Split('$');
        var hash = Convert.FromBase64String(parts[3]);
        hash[^1] ^= 1;
        parts[3] = Convert.ToBase64String(hash);

        Assert.False(_hasher.Verify("password one", string.Join('$', parts)));
    }

    [Fact]
    public void Refuses_passwords_that_could_never_have_been_hashed()
    {
        var stored = _hasher.Hash("x");

        Assert.False(_hasher.Verify("", stored));
        Assert.False(_hasher.Verify(new string('x', PasswordHasher.MaxPasswordLength + 1), stored));
        Assert.False(_hasher.Verify("\udc00", stored));
        Assert.Throws<ArgumentNullException>(() => _hasher.Verify(null!, stored));
    }

    [Fact]
    public void Dummy_verification_is_always_false()
    {
        Assert.False(_hasher.VerifyDummy("anything"));
        Assert.False(_hasher.VerifyDummy(""));
    }
}
