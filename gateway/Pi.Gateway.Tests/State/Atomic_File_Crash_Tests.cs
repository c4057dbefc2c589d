using System.Runtime.Versioning;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.State;

/// <summary>
/// The write is interrupted (the process "dies") at every step; the target must then hold the whole
/// old content or the whole new content, and the next start must find no stray temp file.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class Atomic_File_Crash_Tests : IDisposable
{
    private static readonly byte[] Old = System.Text.Encoding.UTF8.GetBytes("{\"version\":1,\"content\":\"the complete OLD file\"}");
    private static readonly byte[] New = System.Text.Encoding.UTF8.GetBytes("{\"version\":1,\"content\":\"the complete NEW file, a little longer\"}");

    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<AtomicWriteStep> Steps => [.. Enum.GetValues<AtomicWriteStep>()];

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_replacing_write_that_dies_leaves_the_whole_old_or_the_whole_new_file(AtomicWriteStep step)
    {
        var path = _dir.File("registration.json");
        await new AtomicFile().WriteAsync(path, Old, CancellationToken.None);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => CrashingWriter.At(step).WriteAsync(path, New, CancellationToken.None));

        var after = await File.ReadAllBytesAsync(path);
        Assert.Equal(step >= AtomicWriteStep.Renamed ? New : Old, after);
        Assert.Equal(AtomicFile.PrivateFileMode, File.GetUnixFileMode(path));
        AssertNextStartIsClean(path, expectStray: step < AtomicWriteStep.Renamed);
        Assert.Equal(after, await File.ReadAllBytesAsync(path));
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task A_creating_write_that_dies_leaves_no_file_or_the_whole_new_file(AtomicWriteStep step)
    {
        var path = _dir.File("identity.json");

        await Assert.ThrowsAsync<SimulatedCrashException>(() => CrashingWriter.At(step).TryCreateAsync(path, New, CancellationToken.None));

        if (step >= AtomicWriteStep.Renamed)
        {
            Assert.Equal(New, await File.ReadAllBytesAsync(path));
        }
        else
        {
            Assert.False(File.Exists(path));
        }
        AssertNextStartIsClean(path, expectStray: step < AtomicWriteStep.Renamed);
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task After_a_crash_the_next_write_succeeds(AtomicWriteStep step)
    {
        var path = _dir.File("flags.json");
        await new AtomicFile().WriteAsync(path, Old, CancellationToken.None);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => CrashingWriter.At(step).WriteAsync(path, New, CancellationToken.None));
        AtomicFile.RemoveStrayTempFiles(_dir.Path);

        await new AtomicFile().WriteAsync(path, "third"u8.ToArray(), CancellationToken.None);

        Assert.Equal("third", await File.ReadAllTextAsync(path));
        Assert.Equal(["flags.json"], _dir.FileNames());
    }

    private void AssertNextStartIsClean(string path, bool expectStray)
    {
        var name = Path.GetFileName(path);
        var strays = _dir.FileNames().Where(AtomicFile.IsTempFileName).ToList();
        Assert.Equal(expectStray ? 1 : 0, strays.Count);

        var removed = AtomicFile.RemoveStrayTempFiles(_dir.Path);

        Assert.Equal(strays, removed);
        Assert.All(_dir.FileNames(), n => Assert.Equal(name, n));
    }
}
