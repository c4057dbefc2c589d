namespace Pi.Gateway.State;

/// <summary>
/// An exclusive lock on a data directory shared by processes (the service and a <c>qr</c> run beside
/// it): flock(2) on <c>.lock</c> in the directory. The store holds it for every write and for the
/// start-up clean-up, so that clean-up never deletes a temporary file another process is still
/// writing. The kernel drops the lock when its holder dies, so a crash never leaves it taken.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    /// <summary>The lock file's name.</summary>
    public const string FileName = ".lock";

    private int _fd;

    private DirectoryLock(int fd) => _fd = fd;

    /// <summary>Waits (polling: writes hold the lock for milliseconds) until the lock is this caller's.</summary>
    public static async Task<DirectoryLock> AcquireAsync(string directory, CancellationToken cancellationToken)
    {
        if (!UnixFileSystem.IsSupported)
        {
            return new DirectoryLock(-1);
        }
        var path = Path.Combine(directory, FileName);
        var fd = UnixFileSystem.OpenLockFile(path);
        try
        {
            var pause = TimeSpan.FromMilliseconds(1);
            while (!UnixFileSystem.TryLockExclusive(fd, path))
            {
                // A pause of the real clock on purpose: the holder is another process, which a
                // test's fake clock does not move.
                await Task.Delay(pause, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 50));
            }
            return new DirectoryLock(fd);
        }
        catch
        {
            UnixFileSystem.CloseDescriptor(fd);
            throw;
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            UnixFileSystem.CloseDescriptor(fd);
        }
    }
}
