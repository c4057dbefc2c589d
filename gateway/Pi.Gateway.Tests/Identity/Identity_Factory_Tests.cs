using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Pi.Gateway.Identity;
using Pi.Gateway.Tests.State.Support;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.Tests.Identity;

public sealed partial class Identity_Factory_Tests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_new_identity_has_a_v4_uuid_the_normalized_mac_codes_and_the_clock_time()
    {
        var identity = await Factory().CreateAsync("dc-a6-32-01-02-03", null, CancellationToken.None);

        Assert.Matches(UuidV4(), identity.Uuid);
        Assert.Equal("DC:A6:32:01:02:03", identity.Mac);
        Assert.Matches(VerificationCodeForm(), identity.VerificationCode.Reveal());
        Assert.True(SetupCode.TryParse(identity.SetupCode.ToDisplayString(), out var parsed, out _));
        Assert.Equal(identity.SetupCode, parsed);
        Assert.Equal(Now, identity.CreatedAt);
    }

    [Fact]
    public async Task Identities_differ_in_every_random_part()
    {
        var factory = Factory();
        var identities = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => factory.CreateAsync("DC:A6:32:01:02:03", null, CancellationToken.None)));

        Assert.Equal(50, identities.Select(i => i.Uuid).Distinct().Count());
        Assert.Equal(50, identities.Select(i => i.VerificationCode.Reveal()).Distinct().Count());
        Assert.Equal(50, identities.Select(i => i.SetupCode.ToCanonicalString()).Distinct().Count());
        Assert.Equal(50, identities.Select(i => i.Sn).Distinct().Count());
    }

    [Fact]
    public async Task The_serial_number_given_wins()
    {
        await File.WriteAllTextAsync(_dir.File("cpuinfo"), "Serial\t: 10000000abcdef01\n");

        Assert.Equal("FACTORY-0042", (await Factory().CreateAsync("DC:A6:32:01:02:03", "FACTORY-0042", CancellationToken.None)).Sn);
    }

    [Fact]
    public async Task Without_one_the_pi_serial_is_used()
    {
        await File.WriteAllTextAsync(_dir.File("cpuinfo"), "Serial\t: 10000000abcdef01\n");

        Assert.Equal("10000000abcdef01", (await Factory().CreateAsync("DC:A6:32:01:02:03", null, CancellationToken.None)).Sn);
    }

    [Fact]
    public async Task Without_a_pi_serial_a_random_one_is_made()
    {
        Assert.Matches(RandomSerial(), (await Factory().CreateAsync("DC:A6:32:01:02:03", null, CancellationToken.None)).Sn);
        Assert.Matches(RandomSerial(), IdentityFactory.NewRandomSerialNumber());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\t")]
    [InlineData("ünïcode")]
    public async Task Unprintable_or_empty_serial_numbers_are_refused(string serialNumber)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Factory().CreateAsync("DC:A6:32:01:02:03", serialNumber, CancellationToken.None));
        Assert.False(IdentityFactory.IsValidSerialNumber(new string('x', 65)));
        Assert.True(IdentityFactory.IsValidSerialNumber(new string('x', 64)));
    }

    [Fact]
    public async Task A_multicast_mac_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Factory().CreateAsync("01:00:5E:00:00:01", null, CancellationToken.None));
    }

    [Fact]
    public void Verification_codes_are_20_crockford_symbols_in_groups_of_five()
    {
        var code = VerificationCode.Generate();

        Assert.Equal(23, code.Length);
        Assert.Matches(VerificationCodeForm(), code.Reveal());
        Assert.Equal("***", code.ToString());
        Assert.True(VerificationCode.IsValid(code));
        Assert.False(VerificationCode.IsValid(new SecretString("with space")));
        Assert.False(VerificationCode.IsValid(new SecretString(string.Empty)));
        Assert.False(VerificationCode.IsValid(new SecretString(new string('A', 129))));
    }

    private IdentityFactory Factory() => new(new PiSerialNumber(_dir.File("serial-number"), _dir.File("cpuinfo")), new FakeTimeProvider(Now));

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();

    [GeneratedRegex("^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$")]
    private static partial Regex VerificationCodeForm();

    [GeneratedRegex("^PI-[0-9A-F]{12}$")]
    private static partial Regex RandomSerial();
}
