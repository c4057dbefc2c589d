namespace Pi.App.Tests;

public sealed class Seed_Cbc_Suite_Tests
{
    [Fact]
    public async Task The_seeds_own_example_decodes_to_its_xml_message()
    {
        var result = await CliRunner.RunOkAsync("decode", "--suite", "seed-cbc", "--key", TestKeys.SeedKey, TestKeys.SeedCiphertext);

        Assert.Equal(TestKeys.SeedPlaintext, result.Field("plaintext"));
        Assert.Contains("INSECURE", result.Field("suite"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encoding_the_seeds_plaintext_gives_the_seeds_ciphertext()
    {
        // Fixed IV and no randomness: the seed's format is deterministic, which is one of its flaws.
        var result = await CliRunner.RunOkAsync("encode", "--suite", "seed-cbc", "--key", TestKeys.SeedKey, TestKeys.SeedPlaintext);

        Assert.Equal(TestKeys.SeedCiphertext, result.Line);
    }

    [Fact]
    public async Task Text_round_trips_and_hex_output_decodes_too()
    {
        const string key = "0123456789abcdefFEDCBA9876543210";
        var hex = (await CliRunner.RunOkAsync("encode", "--suite", "seed-cbc", "--key", key, "--out", "hex", "<msg>héllo</msg>")).Line;

        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "seed-cbc", "--key", key, hex);

        Assert.Equal("<msg>héllo</msg>", decoded.Field("plaintext"));
    }

    [Fact]
    public async Task The_wrong_key_string_fails_to_decrypt_with_exit_code_2()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "seed-cbc", "--key", "XvCMU5EerVjVIFk66dUZdSnttLyWCSbv", TestKeys.SeedCiphertext);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: decrypt_failed: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_string_of_the_wrong_length_is_an_invalid_key()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "seed-cbc", "--key", "short-key-string", TestKeys.SeedCiphertext);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: invalid_key: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frame_options_do_not_apply_to_seed_cbc()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "seed-cbc", "--key", TestKeys.SeedKey, "--transport", "stream", TestKeys.SeedCiphertext);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: --transport does not apply to --suite seed-cbc", result.Stderr, StringComparison.Ordinal);
    }
}
