using System.Security.Cryptography;
using System.Text;

namespace Pi.Gateway.Wifi.Config;

/// <summary>
/// Writes a file so that a crash leaves the old content or the new, never a mix: a temporary file
/// in the same directory (created with the final mode, so a secret is never readable by others,
/// even for a moment), written, flushed to disk (fsync), then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Mode of files that hold secrets (PSKs, passphrases): owner read/write only.</summary>
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Mode of configuration files without secrets.</summary>
    public const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes <paramref name="content"/> (UTF-8, no BOM) to <paramref name="path"/> atomically with <paramref name="mode"/>.</summary>
    public static async Task WriteAsync(string path, string content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(content);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? throw new ArgumentException("the path has no directory", nameof(path));
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }
            await using (var stream = new FileStream(temp, options))
            {
                if (!OperatingSystem.IsWindows())
                {
                    // The umask may have narrowed the mode; a wider one is never created.
                    File.SetUnixFileMode(stream.SafeFileHandle, mode);
                }
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
