using System.Runtime.Versioning;
using Pi.Gateway.State;
using Pi.Gateway.Tests.State.Support;

namespace Pi.Gateway.Tests.State;

[SupportedOSPlatform("linux")]
public sealed class Atomic_File_Tests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Writes_the_content_with_mode_0600_and_leaves_no_temp_file()
    {
        var path = _dir.File("state.json");

        await new AtomicFile().WriteAsync(path, "hello"u8.ToArray(), CancellationToken.None);

        Assert.Equal("hello"u8.ToArray(), await File.ReadAllBytesAsync(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(["state.json"], _dir.FileNames());
    }

    [Fact]
    public async Task The_temp_file_is_private_from_the_moment_it_exists()
    {
        var path = _dir.File("secret.json");
        var seen = new List<(AtomicWriteStep Step, UnixFileMode Mode, string Directory)>();
        var writer = new AtomicFile((step, temp) =>
        {
            if (step < AtomicWriteStep.Renamed)
            {
                seen.Add((step, File.GetUnixFileMode(temp), Path.GetDirectoryName(temp)!));
            }
        });

        await writer.WriteAsync(path, "s3cret"u8.ToArray(), CancellationToken.None);

        Assert.Equal([AtomicWriteStep.TempCreated, AtomicWriteStep.PartlyWritten, AtomicWriteStep.Written, AtomicWriteStep.Flushed], seen.Select(s => s.Step));
        Assert.All(seen, s => Assert.Equal(AtomicFile.PrivateFileMode, s.Mode));
        Assert.All(seen, s => Assert.Equal(_dir.Path, s.Directory));
    }

    [Fact]
    public async Task Replaces_an_existing_file_and_its_wider_mode()
    {
        var path = _dir.File("state.json");
        await File.WriteAllTextAsync(path, "old old old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await new AtomicFile().WriteAsync(path, "new"u8.ToArray(), CancellationToken.None);

        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.Equal(AtomicFile.PrivateFileMode, File.GetUnixFileMode(path));
        Assert.Equal(["state.json"], _dir.FileNames());
    }

    [Fact]
    public async Task Writes_empty_content()
    {
        var path = _dir.File("empty");

        await new AtomicFile().WriteAsync(path, ReadOnlyMemory<byte>.Empty, CancellationToken.None);

        Assert.Empty(await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Try_create_writes_only_when_no_file_is_there()
    {
        var path = _dir.File("identity.json");
        var writer = new AtomicFile();

        Assert.True(await writer.TryCreateAsync(path, "first"u8.ToArray(), CancellationToken.None));
        Assert.False(await writer.TryCreateAsync(path, "second"u8.ToArray(), CancellationToken.None));

        Assert.Equal("first", await File.ReadAllTextAsync(path));
        Assert.Equal(AtomicFile.PrivateFileMode, File.GetUnixFileMode(path));
        Assert.Equal(["identity.json"], _dir.FileNames());
    }

    [Fact]
    public async Task Of_many_concurrent_creators_exactly_one_wins()
    {
        var path = _dir.File("identity.json");
        var writer = new AtomicFile();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => writer.TryCreateAsync(path, System.Text.Encoding.ASCII.GetBytes($"creator {i:D2}"), CancellationToken.None))));

        var winner = Assert.Single(results.Select((won, i) => (won, i)), r => r.won);
        Assert.Equal($"creator {winner.i:D2}", await File.ReadAllTextAsync(path));
        Assert.Equal(["identity.json"], _dir.FileNames());
    }

    [Fact]
    public async Task Cancelled_before_the_rename_keeps_the_old_file_and_removes_the_temp_file()
    {
        var path = _dir.File("state.json");
        await new AtomicFile().WriteAsync(path, "old"u8.ToArray(), CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var writer = new AtomicFile((step, _) =>
        {
            if (step == AtomicWriteStep.Flushed)
            {
                cts.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteAsync(path, "new"u8.ToArray(), cts.Token));

        Assert.Equal("old", await File.ReadAllTextAsync(path));
        Assert.Equal(["state.json"], _dir.FileNames());
    }

    [Fact]
    public async Task A_cancelled_token_writes_nothing()
    {
        var path = _dir.File("state.json");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new AtomicFile().WriteAsync(path, "x"u8.ToArray(), new CancellationToken(canceled: true)));

        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public async Task Concurrent_readers_see_only_whole_files()
    {
        // Two contents of 256 KiB, each one repeated byte: any mix or truncation shows.
        const int size = 256 * 1024;
        var path = _dir.File("big.bin");
        var writer = new AtomicFile();
        await writer.WriteAsync(path, Filled(size, 0xAA), CancellationToken.None);
        using var done = new CancellationTokenSource();
        var torn = 0;
        var reads = 0;
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var reader = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var bytes = await File.ReadAllBytesAsync(path);
                reads++;
                reading.TrySetResult();
                var whole = bytes.Length == size
                    && (!bytes.AsSpan().ContainsAnyExcept((byte)0xAA) || !bytes.AsSpan().ContainsAnyExcept((byte)0x55));
                if (!whole)
                {
                    torn++;
                }
            }
        });
        await reading.Task;
        for (var i = 0; i < 40; i++)
        {
            await writer.WriteAsync(path, Filled(size, i % 2 == 0 ? (byte)0x55 : (byte)0xAA), CancellationToken.None);
        }
        await done.CancelAsync();
        await reader;

        Assert.True(reads > 0);
        Assert.Equal(0, torn);
    }

    [Fact]
    public void Removes_only_its_own_stray_temp_files()
    {
        string[] strays = [".state.json.tmp-0123456789abcdef", ".identity.json.tmp-fedcba9876543210"];
        string[] kept = ["state.json", ".state.json.tmp-xyz", ".state.json.tmp-0123456789ABCDEF", "state.json.tmp-0123456789abcdef", ".hidden", "registration.json.corrupt-20250101T000000000Z"];
        foreach (var name in strays.Concat(kept))
        {
            File.WriteAllText(_dir.File(name), "x");
        }

        var removed = AtomicFile.RemoveStrayTempFiles(_dir.Path);

        Assert.Equal(strays.Order(StringComparer.Ordinal), removed);
        Assert.Equal(kept.Order(StringComparer.Ordinal), _dir.FileNames());
    }

    [Fact]
    public void Removes_the_stray_temp_files_of_one_name_only_when_asked()
    {
        File.WriteAllText(_dir.File(".label.png.tmp-0123456789abcdef"), "x");
        File.WriteAllText(_dir.File(".other.png.tmp-0123456789abcdef"), "x");

        Assert.Equal([".label.png.tmp-0123456789abcdef"], AtomicFile.RemoveStrayTempFiles(_dir.Path, "label.png"));
        Assert.Equal([".other.png.tmp-0123456789abcdef"], _dir.FileNames());
        Assert.Empty(AtomicFile.RemoveStrayTempFiles(Path.Combine(_dir.Path, "missing")));
    }

    private static byte[] Filled(int size, byte value)
    {
        var bytes = new byte[size];
        bytes.AsSpan().Fill(value);
        return bytes;
    }
}
