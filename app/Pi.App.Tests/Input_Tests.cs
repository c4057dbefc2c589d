namespace Pi.App.Tests;

public sealed class Input_Tests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pi-app-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Data_can_come_from_a_file_with_an_at_sign()
    {
        var path = Path.Combine(_directory, "capture.txt");
        await File.WriteAllTextAsync(path, TestKeys.SeedCiphertext + "\n");

        var result = await CliRunner.RunOkAsync("decode", "--suite", "seed-cbc", "--key", TestKeys.SeedKey, "@" + path);

        Assert.Equal(TestKeys.SeedPlaintext, result.Field("plaintext"));
    }

    [Fact]
    public async Task A_binary_file_is_read_as_raw_bytes()
    {
        var key = TestKeys.NewKeyHex();
        var envelope = Convert.FromBase64String((await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", key, "--key-id", "1", "--direction", "gateway-to-cloud", "--tid", "gw", """{"type":"ack","txn":"a"}""")).Line);
        var path = Path.Combine(_directory, "envelope.bin");
        await File.WriteAllBytesAsync(path, envelope);

        var result = await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, "@" + path);

        Assert.Equal("ack (session message)", result.Field("message"));
    }

    [Fact]
    public async Task Keys_and_plaintext_can_come_from_files()
    {
        var key = TestKeys.NewKeyBase64();
        var keyPath = Path.Combine(_directory, "key.txt");
        var plaintextPath = Path.Combine(_directory, "message.json");
        await File.WriteAllTextAsync(keyPath, key + "\n");
        await File.WriteAllTextAsync(plaintextPath, """{"type":"ack","txn":"a"}""");

        var sealedForm = (await CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", "@" + keyPath, "--key-id", "1", "--direction", "gateway-to-cloud", "--tid", "gw", "@" + plaintextPath)).Line;
        var decoded = await CliRunner.RunOkAsync("decode", "--suite", "v2", "--key", key, sealedForm);

        Assert.Equal("""{"type":"ack","txn":"a"}""", decoded.Field("plaintext"));
    }

    [Fact]
    public async Task Data_can_come_from_standard_input()
    {
        var result = await CliRunner.RunWithStdinAsync(TestKeys.SeedCiphertext + "\n", "decode", "--suite", "seed-cbc", "--key", TestKeys.SeedKey, "-");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(TestKeys.SeedPlaintext, result.Field("plaintext"));
    }

    [Fact]
    public async Task A_missing_file_is_a_usage_error()
    {
        var missing = Path.Combine(_directory, "no-such-file");

        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), "@" + missing);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: cannot read '{missing}': no such file", result.Stderr.TrimEnd());
    }

    [Fact]
    public async Task A_missing_key_file_is_a_usage_error()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", "@" + Path.Combine(_directory, "nope"), "00");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no such file", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto", "not*base64*or*hex!")]
    [InlineData("hex", "abc")]
    [InlineData("hex", "zz00")]
    [InlineData("base64", "****")]
    [InlineData("base64", "abc")]
    public async Task Data_that_is_not_in_its_encoding_is_invalid_encoding(string encoding, string data)
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), "--in", encoding, data);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: invalid_encoding: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_reads_even_length_hex_as_hex_and_the_rest_as_base64()
    {
        // "00112233" is valid Base64 too; auto must prefer hex, and --in base64 must override it.
        var asHex = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), "00112233");
        var asBase64 = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), "--in", "base64", "00112233");

        Assert.Contains("got 4", asHex.Stderr, StringComparison.Ordinal);
        Assert.Contains("got 6", asBase64.Stderr, StringComparison.Ordinal);
    }
}
