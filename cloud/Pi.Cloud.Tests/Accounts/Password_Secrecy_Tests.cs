using Pi.Cloud.Accounts;

namespace Pi.Cloud.Tests.Accounts;

public sealed class Password_Secrecy_Tests
{
    private const string Password = "s3cret-Passw0rd-that-must-not-leak";

    private readonly PasswordHasher _hasher = new(1000);

    [Fact]
    public void The_stored_form_does_not_contain_the_password()
    {
        var stored = _hasher.Hash(Password);

        Assert.DoesNotContain(Password, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Password)), stored, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hasher_describes_itself_without_secrets()
    {
        _hasher.Hash(Password);

        Assert.Equal("pbkdf2-sha256, 1000 iterations", _hasher.ToString());
    }

    [Theory]
    [InlineData("lone surrogate")]
    [InlineData("too long")]
    public void Refusals_do_not_echo_the_password(string kind)
    {
        // Built here: xunit cannot carry a lone surrogate through InlineData.
        var password = kind == "too long" ? Password + new string('x', PasswordHasher.MaxPasswordLength) : Password + '\ud800';

        var error = Assert.Throws<ArgumentException>(() => _hasher.Hash(password));

        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }
}
