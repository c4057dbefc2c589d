using System.Reflection;
using System.Text.RegularExpressions;
using Pi.App.Walkthrough;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Framing;
using Pi.Protocol.Login;

namespace Pi.App.Tests;

public sealed partial class Walkthrough_Tests
{
    /// <summary>The seed's step labels, written out here so the test does not trust the code's own list.</summary>
    public static readonly TheoryData<string> SeedLabels = new()
    {
        "H10", "H20", "S11/H30", "S12/H4", "S13", "S2/H50", "S3/H60", "S4/H70", "H80", "H90/S101", "S102/H100",
        "S103/H110", "S104/H120", "S200/H130", "S301-S302/H140", "S401/H150", "S402/H160", "S500", "S403",
    };

    private static readonly Lazy<Task<CliResult>> Run = new(() => CliRunner.RunAsync("walkthrough"));

    [Fact]
    public async Task It_completes_with_exit_code_0_and_a_final_verified_line()
    {
        var result = await Run.Value;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Stderr);
        var lines = result.Stdout.TrimEnd().Split('\n');
        var match = FinalLine().Match(lines[^1]);
        Assert.True(match.Success, lines[^1]);
        Assert.True(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 20);
    }

    [Theory]
    [MemberData(nameof(SeedLabels))]
    public async Task It_prints_every_seed_step(string label)
    {
        var result = await Run.Value;

        Assert.Contains($"\n[{label}] ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_ends_of_every_key_agree_and_every_login_gets_a_new_sessionkey()
    {
        var output = (await Run.Value).Stdout;

        var agreeKeys = Values(output, "agreekey");
        var sessionKeys = Values(output, "sessionkey");
        var linkKeys = Values(output, "link key");

        // Two searches answered: each agreekey printed by the gateway, then by the APP.
        Assert.Equal(4, agreeKeys.Count);
        Assert.Equal(agreeKeys[0], agreeKeys[1]);
        Assert.Equal(agreeKeys[2], agreeKeys[3]);
        Assert.NotEqual(agreeKeys[0], agreeKeys[2]);
        // Two logins: each sessionkey printed by the cloud, then by the gateway.
        Assert.Equal(4, sessionKeys.Count);
        Assert.Equal(sessionKeys[0], sessionKeys[1]);
        Assert.Equal(sessionKeys[2], sessionKeys[3]);
        Assert.NotEqual(sessionKeys[0], sessionKeys[2]);
        Assert.Equal(2, linkKeys.Count);
        Assert.Equal(linkKeys[0], linkKeys[1]);
    }

    [Fact]
    public async Task It_shows_the_replays_and_stale_keys_being_refused()
    {
        var output = (await Run.Value).Stdout;

        Assert.Contains("refused the replayed search: replayed:", output, StringComparison.Ordinal);
        Assert.Contains("refused the replayed command: replayed:", output, StringComparison.Ordinal);
        Assert.Contains("refused the first session's envelope: key_id_mismatch:", output, StringComparison.Ordinal);
        Assert.Contains("refused the old session's envelope: session_expired:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_run_uses_fresh_randomness()
    {
        var first = Values((await Run.Value).Stdout, "sessionkey");
        var second = Values((await CliRunner.RunOkAsync("walkthrough")).Stdout, "sessionkey");

        Assert.NotEqual(first[0], second[0]);
    }

    [Fact]
    public async Task Full_prints_every_byte()
    {
        var cut = (await Run.Value).Stdout;
        var full = (await CliRunner.RunOkAsync("walkthrough", "--full")).Stdout;

        Assert.Contains("...", BytesLines(cut).First(), StringComparison.Ordinal);
        Assert.All(BytesLines(full), line => Assert.DoesNotContain("...", line, StringComparison.Ordinal));
        Assert.DoesNotContain("--full shows all", full, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_it_prints_decode_with_the_decode_command()
    {
        var output = (await CliRunner.RunOkAsync("walkthrough", "--full")).Stdout.Split('\n');
        // The first command down the session channel, and the sessionkey of that (first) login.
        var sessionKey = Values(string.Join('\n', output), "sessionkey")[0];
        var commandLine = Array.FindIndex(output, line => line.Contains("/down, ", StringComparison.Ordinal));
        var envelope = output[commandLine + 2].Trim()["bytes".Length..].Trim();

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", sessionKey, envelope);

        Assert.Equal("request (session message)", decoded.Field("message"));
        Assert.Equal("cloud-to-gateway (4)", decoded.Field("direction"));
        Assert.Contains("\"command\":\"identify\"", decoded.Field("plaintext"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(CloudParty), new[] { typeof(ProvisioningChannel), typeof(EphemeralKeyPair), typeof(SetupCode) })]
    [InlineData(typeof(AppParty), new[] { typeof(EnvelopeSealer), typeof(EnvelopeOpener), typeof(GatewayLogin) })]
    [InlineData(typeof(SubDeviceParty), new[] { typeof(ProvisioningChannel), typeof(GatewayLogin), typeof(SetupCode) })]
    public void A_party_holds_no_key_it_would_not_really_have(Type party, Type[] forbidden)
    {
        // The APP never holds a session or link key, the cloud never an agreekey or setup code, and so on:
        // checked on the parties' fields (their only state), including nested types.
        var fields = FieldsOf(party).ToList();

        Assert.NotEmpty(fields);
        Assert.DoesNotContain(fields, field => forbidden.Any(type => type.IsAssignableFrom(field.FieldType) || field.FieldType.GenericTypeArguments.Any(type.IsAssignableFrom)));
    }

    private static IEnumerable<FieldInfo> FieldsOf(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Concat(type.GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public).SelectMany(FieldsOf));

    private static List<string> Values(string output, string name) =>
        [.. output.Split('\n')
            .Select(line => KeyLine().Match(line))
            .Where(match => match.Success && match.Groups[1].Value == name)
            .Select(match => match.Groups[2].Value)];

    private static IEnumerable<string> BytesLines(string output) =>
        output.Split('\n').Where(line => line.TrimStart().StartsWith("bytes ", StringComparison.Ordinal));

    [GeneratedRegex(@"^walkthrough completed: (\d+) messages, all verified$")]
    private static partial Regex FinalLine();

    [GeneratedRegex(@"^  \S+\s+(agreekey|sessionkey|link key)\s+([0-9a-f]{32})$")]
    private static partial Regex KeyLine();
}
