using System.Diagnostics;

namespace Pi.App.Tests;

/// <summary>The built app as a real process: exit codes and streams end to end.</summary>
public sealed class Process_Tests
{
    [Fact]
    public async Task The_built_app_exits_with_0_1_and_2_as_documented()
    {
        var ok = await RunAsync(null, "decode", "--suite", "seed-cbc", "--key", TestKeys.SeedKey, TestKeys.SeedCiphertext);
        var protocolError = await RunAsync(null, "decode", "--suite", "seed-cbc", "--key", "XvCMU5EerVjVIFk66dUZdSnttLyWCSbv", TestKeys.SeedCiphertext);
        var usageError = await RunAsync(null, "decode", "--suite", "v3", "--key", TestKeys.SeedKey, TestKeys.SeedCiphertext);

        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains(TestKeys.SeedPlaintext, ok.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, protocolError.ExitCode);
        Assert.StartsWith("error: decrypt_failed: ", protocolError.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("XvCMU5EerVjVIFk66dUZdSnttLyWCSbv", protocolError.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, usageError.ExitCode);
        Assert.Empty(usageError.Stdout);
    }

    [Fact]
    public async Task The_built_app_reads_data_from_standard_input()
    {
        var result = await RunAsync(TestKeys.SeedCiphertext + "\n", "decode", "--suite", "seed-cbc", "--key", TestKeys.SeedKey, "-");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(TestKeys.SeedPlaintext, result.Stdout, StringComparison.Ordinal);
    }

    private static async Task<CliResult> RunAsync(string? stdin, params string[] args)
    {
        // Pi.App.dll and its runtimeconfig are copied beside the tests by the project reference.
        var dll = Path.Combine(AppContext.BaseDirectory, "Pi.App.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), timeout.Token);
        }
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
