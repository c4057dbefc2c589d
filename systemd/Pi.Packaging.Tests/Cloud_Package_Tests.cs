using System.Text.RegularExpressions;

namespace Pi.Packaging.Tests;

/// <summary>
/// The optional cloud host package (pi-cloud): built by the same script from a framework-dependent
/// publish of the cloud the test run built (the real package is self-contained JIT: same files
/// around a different set of binaries), installed and purged in a throwaway root, its unit verified.
/// </summary>
public sealed class Cloud_Package_Tests : IDisposable
{
    private readonly TempDir _dir = new("pi-pkg-cloud-");

    public void Dispose() => _dir.Dispose();

    [RootFact]
    public async Task The_cloud_package_installs_verifies_and_purges()
    {
        var publish = _dir.Combine("publish");
        var published = await Run.ProcessAsync("dotnet", ["publish", Path.Combine(Repo.Root, "cloud", "Pi.Cloud"), "-c", Repo.Configuration, "--no-build", "-o", publish, "-nologo"],
            TimeSpan.FromMinutes(3), workingDirectory: Repo.Root);
        Assert.True(published.ExitCode == 0, published.ToString());
        var build = await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "build-deb.sh"), "--package", "cloud", "--arch", "amd64", "--fast", "--publish-dir", publish, "--out", _dir.Combine("debs")],
            TimeSpan.FromMinutes(3), workingDirectory: Repo.Root);
        Assert.True(build.ExitCode == 0, build.ToString());
        var deb = build.StdOut.Trim().Split('\n')[^1];
        Assert.Equal($"pi-cloud_{Repo.Version()}_amd64.deb", Path.GetFileName(deb));

        var contents = (await Run.ProcessAsync("dpkg-deb", ["--contents", deb], TimeSpan.FromSeconds(30))).StdOut;
        Assert.Matches(@"-rwxr-xr-x root/root .* \./usr/lib/pi-cloud/Pi\.Cloud\n", contents);
        Assert.Contains("./lib/systemd/system/pi-cloud.service\n", contents, StringComparison.Ordinal);
        Assert.Contains("./etc/pi-cloud/appsettings.json\n", contents, StringComparison.Ordinal);
        Assert.DoesNotContain("appsettings.Development", contents, StringComparison.Ordinal);

        var root = _dir.Combine("root");
        var made = await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "test-root.sh"), root], TimeSpan.FromMinutes(5));
        Assert.True(made.ExitCode == 0, made.ToString());
        File.Copy(deb, Path.Combine(root, "tmp", "cloud.deb"));
        await ChrootOkAsync(root, "dpkg", "-i", "/tmp/cloud.deb");
        await ChrootOkAsync(root, "dpkg", "-i", "/tmp/cloud.deb");
        Assert.Equal(0, (await Run.ProcessAsync("chroot", [root, "getent", "passwd", "pi-cloud"], TimeSpan.FromSeconds(30))).ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(root, "var", "lib", "pi-cloud")));
        Assert.NotNull(new FileInfo(Path.Combine(root, "etc", "systemd", "system", "multi-user.target.wants", "pi-cloud.service")).LinkTarget);

        var unit = await File.ReadAllTextAsync(Path.Combine(root, "lib", "systemd", "system", "pi-cloud.service"));
        var copy = _dir.Combine("pi-cloud.service");
        await File.WriteAllTextAsync(copy, unit.Replace("ExecStart=/usr/lib/pi-cloud/", $"ExecStart={root}/usr/lib/pi-cloud/", StringComparison.Ordinal));
        var verify = await Run.ProcessAsync(Repo.Which("systemd-analyze") ?? "systemd-analyze", ["verify", "--man=no", copy], TimeSpan.FromMinutes(1),
            new Dictionary<string, string?> { ["SYSTEMD_LOG_TARGET"] = "console", ["SYSTEMD_LOG_COLOR"] = "0", ["SYSTEMD_LOG_LEVEL"] = "info" });
        Assert.True(verify.ExitCode == 0 && verify.All.Trim().Length == 0, verify.ToString());

        await ChrootOkAsync(root, "dpkg", "--purge", "pi-cloud");
        Assert.False(Directory.Exists(Path.Combine(root, "var", "lib", "pi-cloud")));
        Assert.False(Directory.Exists(Path.Combine(root, "etc", "pi-cloud")));
        Assert.False(Directory.Exists(Path.Combine(root, "usr", "lib", "pi-cloud")));
    }

    [Fact]
    public async Task The_cloud_is_never_built_as_native_aot()
    {
        var result = await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "build-deb.sh"), "--package", "cloud", "--aot"], TimeSpan.FromSeconds(30), workingDirectory: Repo.Root);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("not Native AOT-compatible", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_script_refuses_what_it_cannot_build()
    {
        Assert.Equal(64, (await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "build-deb.sh"), "--arch", "mips"], TimeSpan.FromSeconds(30))).ExitCode);
        Assert.Equal(64, (await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "build-deb.sh"), "--version", "1.2"], TimeSpan.FromSeconds(30))).ExitCode);
        Assert.Matches(new Regex("usage|--package"), (await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "build-deb.sh"), "--help"], TimeSpan.FromSeconds(30))).StdOut);
    }

    private static async Task ChrootOkAsync(string root, params string[] command)
    {
        var result = await Run.ProcessAsync("chroot", [root, .. command], TimeSpan.FromMinutes(2),
            new Dictionary<string, string?> { ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ["LC_ALL"] = "C", ["DEBIAN_FRONTEND"] = "noninteractive" });
        Assert.True(result.ExitCode == 0, $"chroot {string.Join(' ', command)}: {result}");
    }
}
