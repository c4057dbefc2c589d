using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Xunit.Abstractions;

namespace Pi.Packaging.Tests;

/// <summary>
/// The gateway as it ships to a Raspberry Pi: Native AOT for linux-arm64, cross-compiled here
/// (clang, lld, the aarch64 gcc toolchain), started under qemu-user with Debian's arm64 libc
/// (QEMU_LD_PREFIX) and libssl3 (unpacked by scripts/install-cross-tools.sh), answering
/// <c>--version</c> and <c>self-test</c>; then packaged as the arm64 .deb.
/// </summary>
/// <remarks>
/// The publish takes about 1.5 minutes on this machine's 2 cores, so its output is cached under
/// $PI_CROSS_ROOT/aot-linux-arm64/&lt;key&gt;, the key a SHA-256 of everything it is built from (the
/// gateway's and protocol's sources and project files, the shared props, global.json, the SDK
/// version). It is built without the git commit in its informational version, so that a commit
/// that changes none of those reuses it; the commit-stamped version is checked by Version_Tests.
/// </remarks>
public sealed class Arm64_Aot_Tests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("pi-pkg-arm64-");

    public void Dispose() => _dir.Dispose();

    private static string CrossRoot => Environment.GetEnvironmentVariable("PI_CROSS_ROOT") is { Length: > 0 } root ? root : "/var/cache/pi-gateway-cross";

    [CrossToolchainFact]
    public async Task The_arm64_native_aot_gateway_answers_version_and_self_test_under_qemu()
    {
        var tools = await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "scripts", "install-cross-tools.sh")], TimeSpan.FromMinutes(10));
        Assert.True(tools.ExitCode == 0, $"scripts/install-cross-tools.sh failed: {tools}");

        var published = await PublishedAsync();
        var binary = Path.Combine(published, "Pi.Gateway");

        // An AArch64 ELF executable (e_machine 0xB7), not something of this machine's.
        var header = new byte[20];
        await using (var file = File.OpenRead(binary))
        {
            await file.ReadExactlyAsync(header);
        }
        Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
        Assert.Equal(0xB7, BitConverter.ToUInt16(header, 18));
        output.WriteLine($"Pi.Gateway (linux-arm64, Native AOT): {new FileInfo(binary).Length / 1024.0 / 1024.0:F1} MiB");

        var qemu = Repo.Which("qemu-aarch64-static") ?? throw new InvalidOperationException("qemu-aarch64-static is missing after install-cross-tools.sh");
        var environment = new Dictionary<string, string?>
        {
            ["QEMU_LD_PREFIX"] = "/usr/aarch64-linux-gnu",
            ["LD_LIBRARY_PATH"] = Path.Combine(CrossRoot, "arm64", "sysroot", "usr", "lib", "aarch64-linux-gnu"),
            ["CONFIGURATION_DIRECTORY"] = null,
            ["STATE_DIRECTORY"] = null,
        };

        var watch = Stopwatch.StartNew();
        var version = await Run.ProcessAsync(qemu, [binary, "--version"], TimeSpan.FromMinutes(1), environment);
        output.WriteLine($"--version under qemu: {watch.ElapsedMilliseconds} ms");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal($"Pi.Gateway {Repo.Version()}", version.StdOut.Trim());

        watch.Restart();
        var state = _dir.Combine("state");
        var selfTest = await Run.ProcessAsync(qemu, [binary, "self-test", $"--State:DataDirectory={state}", "--Wifi:Driver=Simulated", "--Gpio:Driver=Virtual", $"--Gpio:VirtualSocketPath={_dir.Combine("gpio.sock")}"],
            TimeSpan.FromMinutes(2), environment);
        output.WriteLine($"self-test under qemu: {watch.ElapsedMilliseconds} ms\n{selfTest.StdOut}");
        Assert.True(selfTest.ExitCode == 0, selfTest.ToString());
        Assert.Contains("ok       crypto: ", selfTest.StdOut, StringComparison.Ordinal);
        Assert.Contains("ok       config: ", selfTest.StdOut, StringComparison.Ordinal);
        Assert.Contains($"ok       state: {state} writable", selfTest.StdOut, StringComparison.Ordinal);
        Assert.Contains("self-test: 3 passed, 0 failed", selfTest.StdOut, StringComparison.Ordinal);

        // And that binary is what the arm64 package carries.
        var deb = await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "build-deb.sh"), "--arch", "arm64", "--aot", "--fast", "--publish-dir", published, "--out", _dir.Combine("debs")],
            TimeSpan.FromMinutes(2), workingDirectory: Repo.Root);
        Assert.True(deb.ExitCode == 0, deb.ToString());
        var path = deb.StdOut.Trim().Split('\n')[^1];
        Assert.Equal($"pi-gateway_{Repo.Version()}_arm64.deb", Path.GetFileName(path));
        var info = await Run.ProcessAsync("dpkg-deb", ["--field", path, "Architecture", "Version", "Installed-Size"], TimeSpan.FromSeconds(30));
        Assert.Contains("Architecture: arm64", info.StdOut, StringComparison.Ordinal);
        var contents = await Run.ProcessAsync("dpkg-deb", ["--contents", path], TimeSpan.FromSeconds(30));
        Assert.Contains("./usr/lib/pi-gateway/Pi.Gateway\n", contents.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(".dll", contents.StdOut, StringComparison.Ordinal);
        output.WriteLine($"{Path.GetFileName(path)}: {new FileInfo(path).Length / 1024.0 / 1024.0:F1} MiB (gzip -1), {info.StdOut.Replace('\n', ' ')}");
    }

    /// <summary>The cached publish for the current sources, or a new one (timed).</summary>
    private async Task<string> PublishedAsync()
    {
        var key = CacheKey();
        var cacheRoot = Path.Combine(CrossRoot, "aot-linux-arm64");
        var cached = Path.Combine(cacheRoot, key);
        if (File.Exists(Path.Combine(cached, "Pi.Gateway")))
        {
            output.WriteLine($"AOT publish: cached ({cached})");
            return cached;
        }
        var work = _dir.Combine("build");
        var watch = Stopwatch.StartNew();
        var publish = await Run.ProcessAsync("dotnet",
            ["publish", Path.Combine(Repo.Root, "gateway", "Pi.Gateway"), "-c", "Release", "-r", "linux-arm64", "-p:PublishAot=true",
             "-p:IncludeSourceRevisionInInformationalVersion=false", "--artifacts-path", Path.Combine(work, "artifacts"), "-o", Path.Combine(work, "out"), "-nologo"],
            TimeSpan.FromMinutes(15), new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" }, Repo.Root);
        output.WriteLine($"AOT publish (linux-arm64): {watch.Elapsed.TotalSeconds:F0} s");
        Assert.True(publish.ExitCode == 0, $"the linux-arm64 Native AOT publish failed: {publish}");
        Assert.DoesNotMatch(@"warning (IL|NETSDK)\d+", publish.StdOut);
        // Keep only the newest publish: the cache stays one binary big.
        if (Directory.Exists(cacheRoot))
        {
            foreach (var old in Directory.GetDirectories(cacheRoot))
            {
                Directory.Delete(old, recursive: true);
            }
        }
        Directory.CreateDirectory(cacheRoot);
        var staging = cached + ".tmp";
        Directory.CreateDirectory(staging);
        foreach (var file in Directory.GetFiles(Path.Combine(work, "out")).Where(f => !f.EndsWith(".dbg", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
        }
        Directory.Move(staging, cached);
        return cached;
    }

    /// <summary>SHA-256 (first 16 hex) over every input of the publish.</summary>
    private static string CacheKey()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = new[] { "gateway/Pi.Gateway", "protocol/Pi.Protocol" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(Repo.Root, d), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" }.Select(f => Path.Combine(Repo.Root, f)).Where(File.Exists))
            .Select(f => Path.GetRelativePath(Repo.Root, f))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            hash.AppendData(File.ReadAllBytes(Path.Combine(Repo.Root, file)));
        }
        hash.AppendData(Encoding.UTF8.GetBytes(Environment.Version.ToString()));
        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }
}
