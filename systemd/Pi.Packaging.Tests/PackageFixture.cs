using System.Diagnostics;

namespace Pi.Packaging.Tests;

/// <summary>
/// Builds the gateway package twice (the one version, and the next patch version for the upgrade)
/// with systemd/build-deb.sh from one framework-dependent publish of the gateway the test run
/// built (`dotnet publish --no-build`: a second, seconds), so the package tests stay fast. The
/// files, scripts and unit are exactly those of the Native AOT package; only the binary differs
/// (the AOT binary has its own test under qemu).
/// </summary>
public sealed class PackageFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new("pi-pkg-debs-");

    public string Version { get; } = Repo.Version();

    public string NextVersion { get; } = NextPatch(Repo.Version());

    public string Publish => _dir.Combine("publish");

    public string Deb { get; private set; } = string.Empty;

    public string NextDeb { get; private set; } = string.Empty;

    public TimeSpan BuildTime { get; private set; }

    public async Task InitializeAsync()
    {
        if (!RootFactAttribute.IsRootByProc() && Repo.Which("dpkg-deb") is null)
        {
            return; // the tests that need it are skipped
        }
        var watch = Stopwatch.StartNew();
        var publish = await Run.ProcessAsync("dotnet", ["publish", Path.Combine(Repo.Root, "gateway", "Pi.Gateway"), "-c", Repo.Configuration, "--no-build", "-o", Publish, "-nologo"],
            TimeSpan.FromMinutes(3), workingDirectory: Repo.Root);
        Assert.True(publish.ExitCode == 0, $"dotnet publish --no-build failed: {publish}");
        Deb = await BuildAsync(Version);
        NextDeb = await BuildAsync(NextVersion);
        BuildTime = watch.Elapsed;
    }

    public async Task<string> BuildAsync(string version, params string[] extra)
    {
        var result = await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "build-deb.sh"), "--arch", "amd64", "--jit", "--fast",
            "--version", version, "--publish-dir", Publish, "--out", _dir.Combine("debs"), .. extra], TimeSpan.FromMinutes(3), workingDirectory: Repo.Root);
        Assert.True(result.ExitCode == 0, $"build-deb.sh failed: {result}");
        var deb = result.StdOut.Trim().Split('\n')[^1];
        Assert.True(File.Exists(deb), $"build-deb.sh printed '{deb}', which does not exist: {result}");
        return deb;
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _dir.Dispose();

    private static string NextPatch(string version)
    {
        var parts = version.Split('.');
        return $"{parts[0]}.{parts[1]}.{int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + 1}";
    }
}
