namespace Pi.Gateway.Tests.State.Support;

/// <summary>A fresh directory under the system temp directory, deleted at dispose (parallel-safe).</summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory()
    {
        Path = Directory.CreateTempSubdirectory("pi-gw-state-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The names of the files in the directory (not recursive), sorted.</summary>
    public IReadOnlyList<string> FileNames(string? under = null) =>
        [.. Directory.EnumerateFiles(under ?? Path).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
