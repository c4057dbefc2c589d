using Pi.Gateway.Wifi.Config;

namespace Pi.Gateway.Tests.Wifi;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Atomic_File_Tests
{
    [Fact]
    public async Task A_secret_file_is_0600_and_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("wpa_supplicant.conf");

        await AtomicFile.WriteAsync(path, "old", AtomicFile.SecretMode, CancellationToken.None);
        await AtomicFile.WriteAsync(path, "new", AtomicFile.SecretMode, CancellationToken.None);

        Assert.Equal("new", await File.ReadAllTextAsync(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task A_world_readable_file_becomes_0600_when_rewritten_with_a_secret()
    {
        using var dir = new TempDirectory();
        var path = dir.File("hostapd.conf");
        await File.WriteAllTextAsync(path, "open");
        File.SetUnixFileMode(path, AtomicFile.PublicMode);

        await AtomicFile.WriteAsync(path, "wpa_psk=...", AtomicFile.SecretMode, CancellationToken.None);

        Assert.Equal(AtomicFile.SecretMode, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_cancelled_write_keeps_the_old_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("x.conf");
        await AtomicFile.WriteAsync(path, "old", AtomicFile.PublicMode, CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            AtomicFile.WriteAsync(path, "new", AtomicFile.PublicMode, new CancellationToken(canceled: true)));

        Assert.Equal("old", await File.ReadAllTextAsync(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }
}
