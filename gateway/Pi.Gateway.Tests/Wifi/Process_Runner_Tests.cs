using System.Diagnostics;
using Pi.Gateway.Wifi;
using Pi.Gateway.Wifi.Commands;

namespace Pi.Gateway.Tests.Wifi;

/// <summary>The real runner, once, with ordinary programs.</summary>
public sealed class Process_Runner_Tests
{
    private readonly ProcessCommandRunner _runner = new();

    [Fact]
    public async Task Captures_stdout_with_arguments_passed_verbatim()
    {
        var result = await _runner.RunAsync(Command.Of("/bin/echo", "a b", "$HOME", "'quoted'"), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal("a b $HOME 'quoted'\n", result.StandardOutput);
        Assert.Empty(result.StandardError);
    }

    [Fact]
    public async Task Captures_stderr_and_the_exit_code()
    {
        var result = await _runner.RunAsync(Command.Of("sh", "-c", "echo oops >&2; exit 3"), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("oops\n", result.StandardError);
    }

    [Fact]
    public async Task Feeds_standard_input_and_environment()
    {
        var result = await _runner.RunAsync(
            Command.Of("sh", "-c", "read line; echo \"$line/$PGW_TEST\"") with
            {
                StandardInput = "secret from stdin\n",
                Environment = new Dictionary<string, string> { ["PGW_TEST"] = "env" },
            },
            CancellationToken.None);

        Assert.Equal("secret from stdin/env\n", result.StandardOutput);
    }

    [Fact]
    public async Task A_run_past_its_timeout_is_killed_by_pid()
    {
        var watch = Stopwatch.StartNew();

        var result = await _runner.RunAsync(Command.Of("sh", "-c", "echo $$; exec sleep 30") with { Timeout = TimeSpan.FromMilliseconds(500) }, CancellationToken.None);

        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        var pid = int.Parse(result.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}"), "the killed process is gone");
    }

    [Fact]
    public async Task Cancellation_kills_the_process_and_throws()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _runner.RunAsync(Command.Of("sleep", "30"), cancel.Token));
    }

    [Fact]
    public async Task A_missing_program_is_a_wifi_exception()
    {
        var e = await Assert.ThrowsAsync<WifiException>(() => _runner.RunAsync(Command.Of("pi-gateway-no-such-tool"), CancellationToken.None));

        Assert.Contains("not installed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_is_bounded()
    {
        var result = await _runner.RunAsync(Command.Of("head", "-c", (ProcessCommandRunner.MaxOutputChars + 4096).ToString(System.Globalization.CultureInfo.InvariantCulture), "/dev/zero"), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.True(result.Truncated);
        Assert.Equal(ProcessCommandRunner.MaxOutputChars, result.StandardOutput.Length);
    }

    [Fact]
    public async Task A_daemon_that_keeps_the_pipes_open_does_not_hold_the_run()
    {
        var watch = Stopwatch.StartNew();

        var result = await _runner.RunAsync(Command.Of("sh", "-c", "sleep 20 & echo forked $!"), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.StartsWith("forked ", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        var pid = int.Parse(result.StandardOutput["forked ".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var child = Process.GetProcessById(pid);
        child.Kill();
        await child.WaitForExitAsync();
    }
}
