using Pi.Cloud.Accounts;

namespace Pi.Cloud.Tests.Accounts;

public sealed class Password_Rehash_Tests
{
    [Fact]
    public void Asks_for_a_rehash_when_the_stored_count_is_below_the_configured_one()
    {
        var stored = new PasswordHasher(1000).Hash("password");

        Assert.True(new PasswordHasher(1001).NeedsRehash(stored));
    }

    [Fact]
    public void Does_not_ask_when_the_stored_count_is_the_configured_one_or_more()
    {
        var stored = new PasswordHasher(2000).Hash("password");

        Assert.False(new PasswordHasher(2000).NeedsRehash(stored));
        Assert.False(new PasswordHasher(1000).NeedsRehash(stored));
    }

    [Fact]
    public void Asks_for_a_rehash_of_anything_it_cannot_read()
    {
        var hasher = new PasswordHasher(1000);

        Assert.True(hasher.NeedsRehash("$2b$12$bcrypt-style"));
        Assert.True(hasher.NeedsRehash(null!));
    }
}
