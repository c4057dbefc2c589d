using System.Runtime.CompilerServices;

namespace Pi.Gateway.Tests.Wifi;

/// <summary>
/// The tool outputs in Fixtures/ (see its README for where each came from). They are read from
/// the source tree, beside this file, so the test project needs no copy step.
/// </summary>
internal static class Fixture
{
    public static string Directory { get; } = Locate();

    public static string Read(string name)
    {
        var path = Path.Combine(Directory, name);
        Assert.True(File.Exists(path), $"fixture {path} is missing");
        return File.ReadAllText(path);
    }

    public static IEnumerable<string> Named(string prefix) =>
        System.IO.Directory.GetFiles(Directory, prefix + "*.txt").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    // The source path the compiler recorded; when a CI build maps source paths (/_/…), the
    // folder is found by walking up from the test binaries to the repository.
    private static string Locate([CallerFilePath] string source = "")
    {
        var beside = Path.Combine(Path.GetDirectoryName(source) ?? string.Empty, "Fixtures");
        if (System.IO.Directory.Exists(beside))
        {
            return beside;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "gateway", "Pi.Gateway.Tests", "Wifi", "Fixtures");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return beside;
    }
}
