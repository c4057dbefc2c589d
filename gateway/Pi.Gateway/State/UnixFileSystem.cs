using System.Runtime.InteropServices;

namespace Pi.Gateway.State;

/// <summary>
/// The file system calls .NET does not offer: fsync of a directory (.NET opens no directory as a
/// file), link(2), which creates a name only if it does not exist (.NET's
/// <c>File.Move(overwrite: false)</c> checks and then renames, which a second process can race),
/// and flock(2) with a lock that is released when the process dies.
/// </summary>
internal static class UnixFileSystem
{
    // O_RDONLY is 0 everywhere. O_CLOEXEC is 02000000 on x86, x86-64, ARM and ARM64 (the Pi).
    // O_DIRECTORY is left out on purpose: its value differs between x86 and ARM.
    private const int OpenReadOnlyCloseOnExec = 0x80000;

    // O_RDWR | O_CREAT | O_CLOEXEC: 2 | 0100 | 02000000, the same on x86, x86-64, ARM and ARM64.
    private const int OpenReadWriteCreateCloseOnExec = 0x2 | 0x40 | 0x80000;

    // EEXIST is 17 and EWOULDBLOCK (EAGAIN) 11 on every Linux architecture the gateway runs on.
    private const int Exists = 17;
    private const int WouldBlock = 11;

    // flock(2) operations.
    private const int LockExclusive = 2, LockNonBlocking = 4;

    /// <summary>True where these calls exist (the gateway runs on Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Flushes <paramref name="directory"/>'s entries (a rename in it) to disk.</summary>
    /// <exception cref="IOException">The directory could not be opened or flushed.</exception>
    public static void FlushDirectory(string directory)
    {
        if (!IsSupported)
        {
            return;
        }
        var fd = Open(directory, OpenReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw Failure("open", directory, Marshal.GetLastPInvokeError());
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw Failure("fsync", directory, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Gives the file at <paramref name="existing"/> the new name <paramref name="newName"/> unless
    /// that name exists (false then). Atomic: of two processes, exactly one succeeds.
    /// </summary>
    /// <exception cref="IOException">link(2) failed for another reason.</exception>
    public static bool TryLink(string existing, string newName)
    {
        if (Link(existing, newName) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == Exists ? false : throw Failure("link", newName, errno);
    }

    /// <summary>Opens (creating with mode 0600) a lock file and returns its descriptor.</summary>
    /// <exception cref="IOException">It could not be opened.</exception>
    public static int OpenLockFile(string path)
    {
        var fd = Open(path, OpenReadWriteCreateCloseOnExec, 0x180);
        return fd >= 0 ? fd : throw Failure("open", path, Marshal.GetLastPInvokeError());
    }

    /// <summary>Takes an exclusive flock on <paramref name="fd"/> without waiting; false if another open file holds it.</summary>
    /// <exception cref="IOException">flock(2) failed for another reason.</exception>
    public static bool TryLockExclusive(int fd, string path)
    {
        if (Flock(fd, LockExclusive | LockNonBlocking) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == WouldBlock ? false : throw Failure("flock", path, errno);
    }

    /// <summary>Closes a descriptor from <see cref="OpenLockFile"/> (which releases its lock).</summary>
    public static void CloseDescriptor(int fd) => _ = Close(fd);

    private static IOException Failure(string call, string path, int errno) =>
        new($"{call} of {path} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Link(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string existing,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newName);
}
