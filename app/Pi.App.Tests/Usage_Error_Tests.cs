namespace Pi.App.Tests;

public sealed class Usage_Error_Tests
{
    [Fact]
    public async Task An_unknown_suite_exits_with_1()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "v3", "--key", TestKeys.NewKeyHex(), "00");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: Argument 'v3' not recognized", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task No_command_exits_with_1()
    {
        var result = await CliRunner.RunAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_exits_with_1()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--colour", "red", "00");

        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task A_missing_key_exits_with_1()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "00");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: --suite v2 needs --key", result.Stderr.TrimEnd());
    }

    [Fact]
    public async Task A_missing_suite_exits_with_1()
    {
        var result = await CliRunner.RunAsync("decode", "--key", TestKeys.NewKeyHex(), "00");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--suite", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_that_is_not_16_bytes_is_invalid_key_with_exit_2()
    {
        var result = await CliRunner.RunAsync("decode", "--suite", "v2", "--key", "0011", "00112233");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: invalid_key: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_succeeds_and_lists_the_commands()
    {
        var result = await CliRunner.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("decode", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("encode", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("walkthrough", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Envelope_options_do_not_apply_to_frames()
    {
        var result = await CliRunner.RunAsync("encode", "--suite", "frame", "--type", "registrationAck", "--key", TestKeys.NewKeyHex(), "--tid", "gw1", """{"tid":"gw1"}""");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: --tid does not apply to --suite frame", result.Stderr, StringComparison.Ordinal);
    }
}
