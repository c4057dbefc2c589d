using System.Runtime.CompilerServices;

namespace Pi.Gateway.Tests.Wifi;

/// <summary>
/// The tool outputs in Fixtures/ (see its README for where each came from). They are read from
/// the source tree, beside this file, so the test project needs no copy step.
/// </summary>
internal static class Fixture
{
    public static string Directory { get; } = Path.Combine(Here(), "Fixtures");

    public static string Read(string name)
    {
        var path = Path.Combine(Directory, name);
        Assert.True(File.Exists(path), $"fixture {path} is missing");
        return File.ReadAllText(path);
    }

    public static IEnumerable<string> Named(string prefix) =>
        System.IO.Directory.GetFiles(Directory, prefix + "*.txt").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
