namespace Pi.Packaging.Tests;

/// <summary>
/// A fact that needs root (chroot, mount namespaces, dpkg into a throwaway root, apt-get). Skipped,
/// with the reason, for a non-root developer; CI runs as root, so there it always runs.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root" && !IsRootByProc())
        {
            Skip = "needs root (chroot, mount namespace, dpkg into a throwaway root): run the tests as root, as CI does";
        }
    }

    internal static bool IsRootByProc()
    {
        try
        {
            return File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>
/// A fact that needs the arm64 cross toolchain (clang, lld, aarch64 gcc, qemu-user-static).
/// Runs when the tools are there, or when running as root (the test installs them with
/// scripts/install-cross-tools.sh); skipped, saying why, only when they are missing and cannot be
/// installed (not root).
/// </summary>
public sealed class CrossToolchainFactAttribute : FactAttribute
{
    public CrossToolchainFactAttribute()
    {
        var present = new[] { "clang", "ld.lld", "aarch64-linux-gnu-gcc", "qemu-aarch64-static" }.All(t => Repo.Which(t) is not null);
        if (!present && !RootFactAttribute.IsRootByProc())
        {
            Skip = "the arm64 cross toolchain (clang, lld, gcc-aarch64-linux-gnu, qemu-user-static) is missing and cannot be installed without root: run scripts/install-cross-tools.sh as root";
        }
    }
}
