using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Pi.Packaging.Tests;

/// <summary>
/// The gateway's .deb: what dpkg-deb shows of it, and its whole life in a throwaway Debian root
/// (debootstrap minbase, systemd/test-root.sh): install, install again, upgrade, remove, purge,
/// with the maintainer scripts run by the root's own dpkg under chroot. No systemd runs there (as
/// in an image build), so the scripts' systemctl calls must stay silent and the unit is enabled
/// through deb-systemd-helper.
/// </summary>
public sealed partial class Package_Tests(PackageFixture packages, ITestOutputHelper output) : IClassFixture<PackageFixture>, IDisposable
{
    private readonly TempDir _dir = new("pi-pkg-root-");

    public void Dispose() => _dir.Dispose();

    [RootFact]
    public async Task Info_shows_name_version_dependencies_conffile_and_maintainer_scripts()
    {
        var info = await Run.ProcessAsync("dpkg-deb", ["--info", packages.Deb], TimeSpan.FromSeconds(30));

        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Equal($"pi-gateway_{packages.Version}_amd64.deb", Path.GetFileName(packages.Deb));
        Assert.Contains(" Package: pi-gateway\n", info.StdOut, StringComparison.Ordinal);
        Assert.Contains($" Version: {packages.Version}\n", info.StdOut, StringComparison.Ordinal);
        Assert.Contains(" Architecture: amd64\n", info.StdOut, StringComparison.Ordinal);
        Assert.Matches(@" Depends: .*libc6.*libssl3", info.StdOut);
        foreach (var script in new[] { "postinst", "prerm", "postrm", "conffiles", "md5sums" })
        {
            Assert.Matches($@"\d+ bytes,\s+\d+ lines\s+\*?\s+{script}\b", info.StdOut);
        }
        var conffiles = await Run.ProcessAsync("dpkg-deb", ["--ctrl-tarfile", packages.Deb], TimeSpan.FromSeconds(30));
        Assert.Equal(0, conffiles.ExitCode);
        var extracted = _dir.Combine("control");
        Directory.CreateDirectory(extracted);
        Assert.Equal(0, (await Run.ProcessAsync("dpkg-deb", ["--control", packages.Deb, extracted], TimeSpan.FromSeconds(30))).ExitCode);
        Assert.Equal("/etc/pi-gateway/appsettings.json", (await File.ReadAllTextAsync(Path.Combine(extracted, "conffiles"))).Trim());
        Assert.All(new[] { "postinst", "prerm", "postrm" }, s => Assert.DoesNotMatch("@[A-Z_]+@", File.ReadAllText(Path.Combine(extracted, s))));
    }

    [RootFact]
    public async Task Contents_hold_binary_unit_configuration_and_templates_all_owned_by_root()
    {
        var contents = await Run.ProcessAsync("dpkg-deb", ["--contents", packages.Deb], TimeSpan.FromSeconds(30));

        Assert.True(contents.ExitCode == 0, contents.ToString());
        var entries = contents.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[^1].TrimStart('.'), f => (Mode: f[0], Owner: f[1]));
        Assert.StartsWith("-rwxr-xr-x", entries["/usr/lib/pi-gateway/Pi.Gateway"].Mode, StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r--", entries["/lib/systemd/system/pi-gateway.service"].Mode, StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r--", entries["/etc/pi-gateway/appsettings.json"].Mode, StringComparison.Ordinal);
        foreach (var template in new[] { "hostapd.conf.template", "dnsmasq.conf.template", "hostapd-security-open.template", "hostapd-security-wpa2.template", "wpa_supplicant.conf.template", "NetworkManager-unmanaged.conf.template", "README" })
        {
            Assert.True(entries.ContainsKey($"/usr/share/pi-gateway/{template}"), $"no /usr/share/pi-gateway/{template} in\n{contents.StdOut}");
        }
        Assert.True(entries.ContainsKey("/usr/share/doc/pi-gateway/copyright"));
        Assert.All(entries, e => Assert.Equal("root/root", e.Value.Owner));
        Assert.DoesNotContain(entries.Keys, k => k.EndsWith(".pdb", StringComparison.Ordinal) || k.EndsWith(".dbg", StringComparison.Ordinal));
        // The data directory is the postinst's (and systemd's) to make, never a packaged file.
        Assert.DoesNotContain(entries.Keys, k => k.StartsWith("/var/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Value.Mode[8] == 'w');
    }

    [RootFact]
    public async Task The_templates_are_the_ones_the_gateway_fills()
    {
        var tree = _dir.Combine("tree");
        Assert.Equal(0, (await Run.ProcessAsync("dpkg-deb", ["-x", packages.Deb, tree], TimeSpan.FromSeconds(60))).ExitCode);
        var templates = typeof(Pi.Gateway.Hosting.GatewayApp).Assembly.GetType("Pi.Gateway.Wifi.Config.ConfigTemplate", throwOnError: true)!;

        foreach (var (constant, file) in new[] { ("Hostapd", "hostapd.conf.template"), ("Dnsmasq", "dnsmasq.conf.template"), ("HostapdOpen", "hostapd-security-open.template"), ("HostapdWpa2", "hostapd-security-wpa2.template"), ("WpaSupplicant", "wpa_supplicant.conf.template"), ("NetworkManagerUnmanaged", "NetworkManager-unmanaged.conf.template") })
        {
            var expected = (string)templates.GetField(constant, BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
            Assert.Equal(expected + "\n", await File.ReadAllTextAsync(Path.Combine(tree, "usr", "share", "pi-gateway", file)));
        }
    }

    [RootFact]
    public async Task Installs_twice_upgrades_removes_and_purges_cleanly_in_a_debootstrap_root()
    {
        var watch = Stopwatch.StartNew();
        var root = _dir.Combine("root");
        var made = await Run.ProcessAsync("bash", [Path.Combine(Repo.Root, "systemd", "test-root.sh"), root], TimeSpan.FromMinutes(5));
        Assert.True(made.ExitCode == 0, $"systemd/test-root.sh failed: {made}");
        output.WriteLine($"throwaway root ready in {watch.Elapsed.TotalSeconds:F1} s (packages built in {packages.BuildTime.TotalSeconds:F1} s)");
        File.Copy(packages.Deb, Path.Combine(root, "tmp", "v1.deb"));
        File.Copy(packages.NextDeb, Path.Combine(root, "tmp", "v2.deb"));
        string In(string path) => Path.Combine(root, path.TrimStart('/'));
        // Raspberry Pi OS has both groups; here only gpio exists at first, netdev comes later.
        await ChrootOkAsync(root, "groupadd", "--system", "gpio");

        // 1. Install.
        await ChrootOkAsync(root, "dpkg", "-i", "/tmp/v1.deb");
        Assert.Equal(packages.Version, await InstalledVersionAsync(root));
        var passwd = (await ChrootOkAsync(root, "getent", "passwd", "pi-gateway")).StdOut.Trim().Split(':');
        Assert.Equal("/nonexistent", passwd[5]);
        Assert.Equal("/usr/sbin/nologin", passwd[6]);
        var uid = int.Parse(passwd[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(uid, 100, 999); // a system user
        Assert.Equal(["gpio", "pi-gateway"], Groups(await ChrootOkAsync(root, "id", "-nG", "pi-gateway")));
        Assert.True(Directory.Exists(In("/var/lib/pi-gateway")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(In("/var/lib/pi-gateway")));
        Assert.Equal(uid.ToString(System.Globalization.CultureInfo.InvariantCulture), (await ChrootOkAsync(root, "stat", "-c", "%u", "/var/lib/pi-gateway")).StdOut.Trim());
        var wants = In("/etc/systemd/system/multi-user.target.wants/pi-gateway.service");
        Assert.Equal("/lib/systemd/system/pi-gateway.service", new FileInfo(wants).LinkTarget);

        // The gateway runs there, as its user, from the installed files and configuration.
        var selfTest = await SelfTestAsync(root);
        Assert.True(selfTest.ExitCode == 0, selfTest.ToString());
        Assert.Contains("options valid (from /etc/pi-gateway/appsettings.json", selfTest.StdOut, StringComparison.Ordinal);
        Assert.Contains("ok       state: /var/lib/pi-gateway writable", selfTest.StdOut, StringComparison.Ordinal);

        // The installed unit passes systemd-analyze verify (ExecStart pointed at the installed binary).
        var verify = await VerifyAsync(In("/lib/systemd/system/pi-gateway.service"), root);
        Assert.True(verify.ExitCode == 0 && verify.All.Trim().Length == 0, $"systemd-analyze verify: {verify}");

        // What the gateway and the admin leave while it runs.
        await File.WriteAllTextAsync(In("/var/lib/pi-gateway/identity.json"), "{\"kept\":true}");
        var conffile = In("/etc/pi-gateway/appsettings.json");
        var edited = (await File.ReadAllTextAsync(conffile)).Replace("\"GB\"", "\"DE\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(conffile, edited);

        // 2. The same package again: nothing breaks, nothing doubles.
        await ChrootOkAsync(root, "dpkg", "-i", "/tmp/v1.deb");
        Assert.Single(await File.ReadAllLinesAsync(In("/etc/passwd")), l => l.StartsWith("pi-gateway:", StringComparison.Ordinal));
        Assert.Single(await File.ReadAllLinesAsync(In("/etc/group")), l => l.StartsWith("pi-gateway:", StringComparison.Ordinal));
        Assert.Equal("{\"kept\":true}", await File.ReadAllTextAsync(In("/var/lib/pi-gateway/identity.json")));
        Assert.Equal(edited, await File.ReadAllTextAsync(conffile));

        // 3. Upgrade: data and the edited configuration stay; a group that appeared is joined.
        await ChrootOkAsync(root, "groupadd", "--system", "netdev");
        await ChrootOkAsync(root, "dpkg", "-i", "/tmp/v2.deb");
        Assert.Equal(packages.NextVersion, await InstalledVersionAsync(root));
        Assert.Equal("{\"kept\":true}", await File.ReadAllTextAsync(In("/var/lib/pi-gateway/identity.json")));
        Assert.Equal(edited, await File.ReadAllTextAsync(conffile));
        Assert.Equal(["gpio", "netdev", "pi-gateway"], Groups(await ChrootOkAsync(root, "id", "-nG", "pi-gateway")));
        Assert.True(File.Exists(wants) || new FileInfo(wants).LinkTarget is not null);
        Assert.False(File.Exists(conffile + ".dpkg-dist") || File.Exists(conffile + ".dpkg-old"));

        // The gateway handed wlan0 over to hostapd at run time (docs/wifi.md).
        var dropIn = In("/etc/NetworkManager/conf.d/99-pi-gateway-unmanaged.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(dropIn)!);
        await File.WriteAllTextAsync(dropIn, "[keyfile]\nunmanaged-devices=interface-name:wlan0\n");

        // 4. Remove: program and unit gone; configuration, data and user stay; wlan0 given back.
        await ChrootOkAsync(root, "dpkg", "-r", "pi-gateway");
        Assert.Contains("deinstall ok config-files", (await ChrootAsync(root, "dpkg-query", "-W", "-f=${Status}", "pi-gateway")).StdOut, StringComparison.Ordinal);
        Assert.False(File.Exists(In("/usr/lib/pi-gateway/Pi.Gateway")));
        Assert.False(File.Exists(In("/lib/systemd/system/pi-gateway.service")));
        Assert.Equal(edited, await File.ReadAllTextAsync(conffile));
        Assert.Equal("{\"kept\":true}", await File.ReadAllTextAsync(In("/var/lib/pi-gateway/identity.json")));
        Assert.False(File.Exists(dropIn));
        Assert.Equal(0, (await ChrootAsync(root, "getent", "passwd", "pi-gateway")).ExitCode);

        // 5. Purge: data, configuration and the enablement go; the user stays (Debian practice).
        await ChrootOkAsync(root, "dpkg", "--purge", "pi-gateway");
        var purged = await ChrootAsync(root, "dpkg-query", "-W", "-f=${Status}", "pi-gateway");
        Assert.True(purged.ExitCode != 0 || purged.StdOut.Trim() == "unknown ok not-installed", $"dpkg still knows pi-gateway after the purge: {purged}");
        Assert.False(Directory.Exists(In("/var/lib/pi-gateway")));
        Assert.False(Directory.Exists(In("/etc/pi-gateway")));
        var left = Directory.EnumerateFileSystemEntries(root, "*pi-gateway*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            .Select(p => "/" + Path.GetRelativePath(root, p))
            .Where(p => !p.StartsWith("/tmp/", StringComparison.Ordinal) && !p.StartsWith("/proc/", StringComparison.Ordinal))
            .ToList();
        Assert.True(left.Count == 0, "left after purge:\n" + string.Join('\n', left));

        // 6. And a fresh install after the purge works again (same user, new data directory).
        await ChrootOkAsync(root, "dpkg", "-i", "/tmp/v2.deb");
        Assert.Equal(packages.NextVersion, await InstalledVersionAsync(root));
        Assert.True(Directory.Exists(In("/var/lib/pi-gateway")));
        Assert.False(File.Exists(In("/var/lib/pi-gateway/identity.json")));
        output.WriteLine($"install, reinstall, upgrade, remove, purge, reinstall: {watch.Elapsed.TotalSeconds:F1} s");
    }

    private static string[] Groups(ProcessResult id) => [.. id.StdOut.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)];

    private static async Task<string> InstalledVersionAsync(string root)
    {
        var status = await ChrootOkAsync(root, "dpkg-query", "-W", "-f=${Status} ${Version}", "pi-gateway");
        var match = Regex.Match(status.StdOut, @"^install ok installed (\S+)$");
        Assert.True(match.Success, $"pi-gateway is not installed: {status}");
        return match.Groups[1].Value;
    }

    private static Task<ProcessResult> ChrootAsync(string root, params string[] command) =>
        Run.ProcessAsync("chroot", [root, .. command], TimeSpan.FromMinutes(2), ChrootEnvironment);

    private static async Task<ProcessResult> ChrootOkAsync(string root, params string[] command)
    {
        var result = await ChrootAsync(root, command);
        Assert.True(result.ExitCode == 0, $"chroot {string.Join(' ', command)}: {result}");
        Assert.DoesNotContain("warning", result.StdErr, StringComparison.OrdinalIgnoreCase);
        return result;
    }

    private static readonly Dictionary<string, string?> ChrootEnvironment = new()
    {
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ["DEBIAN_FRONTEND"] = "noninteractive",
        ["LANG"] = "C",
        ["LC_ALL"] = "C",
    };

    /// <summary>
    /// `Pi.Gateway self-test` inside the root, as the service's user, with the shipped configuration
    /// (only the radio and GPIO are simulated: this machine has neither). A private mount namespace
    /// (gone when the command ends) gives it /proc and this machine's .NET (the test package is
    /// framework-dependent).
    /// </summary>
    private static Task<ProcessResult> SelfTestAsync(string root)
    {
        var dotnet = Path.GetDirectoryName(new FileInfo(Repo.Which("dotnet") ?? "/usr/bin/dotnet").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/usr/share/dotnet/dotnet")!;
        var script = $"""
            set -e
            mount -t proc proc '{root}/proc'
            mkdir -p '{root}/usr/share/dotnet'
            mount --bind -o ro '{dotnet}' '{root}/usr/share/dotnet'
            exec chroot '{root}' setpriv --reuid=pi-gateway --regid=pi-gateway --init-groups \
              env DOTNET_ROOT=/usr/share/dotnet /usr/lib/pi-gateway/Pi.Gateway self-test \
              --Wifi:Driver=Simulated --Gpio:Driver=Virtual --Gpio:VirtualSocketPath=/tmp/gpio.sock
            """;
        return Run.ProcessAsync("unshare", ["--mount", "--propagation", "private", "--fork", "sh", "-c", script], TimeSpan.FromMinutes(1), ChrootEnvironment);
    }

    private async Task<ProcessResult> VerifyAsync(string installedUnit, string root)
    {
        var copy = _dir.Combine("pi-gateway.service");
        var unit = await File.ReadAllTextAsync(installedUnit);
        Assert.Contains("\nExecStart=/usr/lib/pi-gateway/Pi.Gateway\n", unit, StringComparison.Ordinal);
        await File.WriteAllTextAsync(copy, unit.Replace("ExecStart=/usr/lib/pi-gateway/", $"ExecStart={root}/usr/lib/pi-gateway/", StringComparison.Ordinal));
        return await Run.ProcessAsync(Repo.Which("systemd-analyze") ?? "systemd-analyze", ["verify", "--man=no", copy], TimeSpan.FromMinutes(1),
            new Dictionary<string, string?> { ["SYSTEMD_LOG_TARGET"] = "console", ["SYSTEMD_LOG_COLOR"] = "0", ["SYSTEMD_LOG_LEVEL"] = "info", ["SYSTEMD_PAGER"] = "cat" });
    }
}
