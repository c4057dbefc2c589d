namespace Pi.App.Tests;

/// <summary>No error or note ever prints a key, a password or a setup code.</summary>
public sealed class Secret_Redaction_Tests
{
    public static TheoryData<string[]> ErrorRunsWithKey(string key) => new()
    {
        // wrong key
        new[] { "decode", "--suite", "v2", "--key", key, Envelope() },
        // a key where the data should be, and the data where nothing should be: echoed by the parser
        new[] { "decode", "--suite", "v2", "--key", key, "00112233", key },
        // option that does not fit the suite
        new[] { "decode", "--suite", "v2", "--key", key, "--open-mode", "00" },
        // bad data
        new[] { "decode", "--suite", "v2", "--key", key, "not-hex-nor-base64!" },
        // bad frame key
        new[] { "decode", "--suite", "frame", "--key", key, Frame() },
        // option syntax with = and :
        new[] { "decode", "--suite", "v2", $"--key={key}", "00112233" },
        new[] { "decode", "--suite", "v2", $"--key:{key}", "00112233", "extra" },
        new[] { "decode", "--suite", "v2", $"-k{key}", Envelope(), key },
    };

    public static TheoryData<string[]> HexKeyRuns => ErrorRunsWithKey(KeyHex);

    public static TheoryData<string[]> Base64KeyRuns => ErrorRunsWithKey(KeyBase64);

    private const string KeyHex = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private const string KeyBase64 = "obLD1OX2BxgpOktcbX6PkA==";

    [Theory]
    [MemberData(nameof(HexKeyRuns))]
    [MemberData(nameof(Base64KeyRuns))]
    public async Task An_error_never_prints_the_key(string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        Assert.NotEqual(0, result.ExitCode);
        Assert.NotEmpty(result.Stderr);
        Assert.DoesNotContain(KeyHex, result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(KeyBase64, result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdeX")]
    [InlineData("this is not a key at all, really")]
    [InlineData("a1b2c3d4e5f60718293a4b5c6d7e8f")]
    public async Task A_malformed_key_is_not_echoed(string key)
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", key, "00112233");

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain(key, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_seed_cbc_key_string_is_not_echoed()
    {
        const string key = "XvCMU5EerVjVIFk66dUZdSnttLyWCSbv";

        var wrong = await CliRunner.RunAsync("decode", "--suite", "seed-cbc", "--key", key, TestKeys.SeedCiphertext);
        var tooShort = await CliRunner.RunAsync("decode", "--suite", "seed-cbc", "--key", key[..20], TestKeys.SeedCiphertext);

        Assert.DoesNotContain(key, wrong.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(key[..20], tooShort.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_setup_code_is_not_echoed_even_by_the_parser()
    {
        var code = TestKeys.NewSetupCode();

        var wrongCode = await CliRunner.RunAsync("decode", "--suite", "frame", "--setup-code", code, Frame());
        var stray = await CliRunner.RunAsync("decode", "--suite", "frame", "--setup-code", code, Frame(), code);

        Assert.Equal(2, wrongCode.ExitCode);
        Assert.Equal(1, stray.ExitCode);
        Assert.DoesNotContain(code, wrongCode.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(code, stray.Stderr, StringComparison.Ordinal);
        Assert.Contains("***", stray.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_read_from_a_file_is_not_echoed()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("pi-app-tests-").FullName, "key");
        try
        {
            await File.WriteAllTextAsync(path, KeyHex);

            var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", "@" + path, Envelope());

            Assert.Equal(2, result.ExitCode);
            Assert.DoesNotContain(KeyHex, result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>An envelope under some other key, so that <see cref="KeyHex"/> fails to open it.</summary>
    private static string Envelope() =>
        CliRunner.RunOkAsync("encode", "--suite", "v2", "--key", TestKeys.NewKeyHex(), "--key-id", "1", "--direction", "gateway-to-cloud", "--tid", "gw", "x").GetAwaiter().GetResult().Line;

    /// <summary>A searchDevice frame under some other setup code.</summary>
    private static string Frame() =>
        CliRunner.RunOkAsync("encode", "--suite", "frame", "--type", "searchDevice", "--setup-code", TestKeys.NewSetupCode(), """{"mac":"02:AB:CD:EF:01:23"}""").GetAwaiter().GetResult().Line;
}
