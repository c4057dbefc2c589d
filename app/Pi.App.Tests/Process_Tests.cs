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

    [Fact]
    public async Task The_built_app_exits_with_4_when_not_logged_in_and_3_when_the_cloud_is_down()
    {
        var configDir = Directory.CreateTempSubdirectory("pi-app-process-").FullName;
        try
        {
            var notLoggedIn = await RunAsync(null, "gateways", "--config-dir", configDir);
            Assert.Equal(4, notLoggedIn.ExitCode);
            Assert.StartsWith("error: not logged in", notLoggedIn.Stderr, StringComparison.Ordinal);

            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            // The password comes from standard input.
            var down = await RunAsync("a secret password\n", "login", "--cloud", $"https://127.0.0.1:{port}", "--email", "me@example.test", "--config-dir", configDir);
            Assert.Equal(3, down.ExitCode);
            Assert.StartsWith("error: cannot reach the cloud", down.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("a secret password", down.Stdout + down.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(configDir));
        }
        finally
        {
            Directory.Delete(configDir, recursive: true);
        }
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
