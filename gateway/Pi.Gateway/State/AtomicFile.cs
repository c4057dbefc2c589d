using System.Security.Cryptography;

namespace Pi.Gateway.State;

/// <summary>
/// Writes a file so that a reader, or the next start after a crash or power cut, finds either the
/// whole old content or the whole new content: a temporary file in the same directory, created
/// with mode 0600 from the start (never world-readable, not even for a moment), written, flushed to
/// disk (fsync), renamed over the target (rename is atomic within a file system), and the directory
/// flushed so the rename itself survives a power cut.
/// </summary>
/// <remarks>
/// A crash leaves at most a temporary file named <c>.&lt;name&gt;.tmp-&lt;16 hex&gt;</c> beside the
/// target; <see cref="RemoveStrayTempFiles"/> deletes them at the next start. An exception that is
/// not a crash (cancellation, a full disk) deletes the temporary file at once.
/// </remarks>
public sealed class AtomicFile
{
    /// <summary>The mode of every file written: read and write for the owner only.</summary>
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string TempMarker = ".tmp-";
    private const int TempSuffixLength = 16;

    private readonly Action<AtomicWriteStep, string>? _interruption;

    /// <summary>A writer.</summary>
    public AtomicFile()
    {
    }

    /// <summary>
    /// A writer that calls <paramref name="interruption"/> (with the temporary file's path) at each
    /// <see cref="AtomicWriteStep"/>. An exception it throws models the process dying right there:
    /// the write stops and nothing is cleaned up. For the crash tests.
    /// </summary>
    internal AtomicFile(Action<AtomicWriteStep, string> interruption) => _interruption = interruption;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>, replacing any file there.</summary>
    /// <remarks>Cancellation is honoured until the rename; after it the write completes.</remarks>
    public async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        await WriteCoreAsync(path, content, replace: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> only if no file is there; false
    /// (and nothing changed) if one is. Two processes creating the same file at once: exactly one
    /// wins (link(2) refuses an existing name), and the other sees false.
    /// </summary>
    public Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WriteCoreAsync(path, content, replace: false, cancellationToken);

    /// <summary>
    /// Deletes the temporary files a crashed write left in <paramref name="directory"/> (all of
    /// them, or only those for <paramref name="fileName"/>) and returns their names. Only call it
    /// when no write into the directory can be in progress (the state store holds its directory
    /// lock), or it deletes that write's temporary file and the write fails.
    /// </summary>
    public static IReadOnlyList<string> RemoveStrayTempFiles(string directory, string? fileName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var pattern = fileName is null ? $".*{TempMarker}*" : $".{fileName}{TempMarker}*";
        var removed = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, pattern, SearchOption.TopDirectoryOnly))
        {
            var name = Path.GetFileName(path);
            if (IsTempFileName(name) && TryDelete(path))
            {
                removed.Add(name);
            }
        }
        removed.Sort(StringComparer.Ordinal);
        return removed;
    }

    /// <summary>True for a name this class gives its temporary files.</summary>
    internal static bool IsTempFileName(string name)
    {
        if (name.Length <= 1 + TempMarker.Length + TempSuffixLength || name[0] != '.')
        {
            return false;
        }
        var suffix = name.AsSpan(name.Length - TempSuffixLength);
        foreach (var c in suffix)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return name.AsSpan(0, name.Length - TempSuffixLength).EndsWith(TempMarker, StringComparison.Ordinal);
    }

    private async Task<bool> WriteCoreAsync(string path, ReadOnlyMemory<byte> content, bool replace, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target);
        var name = Path.GetFileName(target);
        if (directory is null || name.Length == 0)
        {
            throw new ArgumentException("the path must name a file", nameof(path));
        }
        cancellationToken.ThrowIfCancellationRequested();
        var temp = Path.Combine(directory, $".{name}{TempMarker}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TempSuffixLength / 2))}");
        var interrupted = false;
        var renamed = false;

        void Interrupt(AtomicWriteStep step)
        {
            if (_interruption is null)
            {
                return;
            }
            try
            {
                _interruption(step, temp);
            }
            catch
            {
                interrupted = true;
                throw;
            }
        }

        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                // Unbuffered: Flush(true) below is then exactly one fsync of what was written.
                BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = PrivateFileMode;
            }
            var stream = new FileStream(temp, options);
            await using (stream.ConfigureAwait(false))
            {
                Interrupt(AtomicWriteStep.TempCreated);
                var half = content.Length / 2;
                await stream.WriteAsync(content[..half], cancellationToken).ConfigureAwait(false);
                Interrupt(AtomicWriteStep.PartlyWritten);
                await stream.WriteAsync(content[half..], cancellationToken).ConfigureAwait(false);
                Interrupt(AtomicWriteStep.Written);
                stream.Flush(flushToDisk: true);
                Interrupt(AtomicWriteStep.Flushed);
            }
            // The last point where giving up leaves the old file as it was.
            cancellationToken.ThrowIfCancellationRequested();
            if (replace)
            {
                File.Move(temp, target, overwrite: true);
            }
            else if (UnixFileSystem.IsSupported)
            {
                // link(2) makes the name only if it is free, so two creators cannot both win; the
                // temporary name is dropped after (a crash in between leaves a stray temp file,
                // which the next start removes: the target is complete either way).
                if (!UnixFileSystem.TryLink(temp, target))
                {
                    return false;
                }
                renamed = true;
                TryDelete(temp);
            }
            else
            {
                if (File.Exists(target))
                {
                    return false;
                }
                File.Move(temp, target, overwrite: false);
            }
            renamed = true;
            Interrupt(AtomicWriteStep.Renamed);
            UnixFileSystem.FlushDirectory(directory);
            return true;
        }
        finally
        {
            if (!renamed && !interrupted)
            {
                TryDelete(temp);
            }
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
