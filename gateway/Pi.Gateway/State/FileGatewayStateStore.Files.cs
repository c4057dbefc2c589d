using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pi.Gateway.State;

// The store's file handling: the directory, bounded reads, locked atomic writes, wiping, moving aside.
public sealed partial class FileGatewayStateStore
{
    private async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }
        if (!Directory.Exists(DataDirectory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(DataDirectory);
            }
            else
            {
                Directory.CreateDirectory(DataDirectory, PrivateDirectoryMode);
            }
            LogDirectoryCreated(_logger, DataDirectory);
        }
        else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(DataDirectory) & GroupAndOther) != 0)
        {
            var was = File.GetUnixFileMode(DataDirectory);
            File.SetUnixFileMode(DataDirectory, was & ~GroupAndOther);
            LogDirectoryNarrowed(_logger, DataDirectory, Octal(was));
        }
        // Under the directory lock no write is in flight (here or in another process), so every
        // temporary file is a crashed write's.
        using (await DirectoryLock.AcquireAsync(DataDirectory, cancellationToken).ConfigureAwait(false))
        {
            var removed = AtomicFile.RemoveStrayTempFiles(DataDirectory);
            if (removed.Count > 0)
            {
                LogStrayTempFilesRemoved(_logger, removed.Count, DataDirectory, string.Join(", ", removed));
            }
        }
        _ready = true;
    }

    /// <summary>The file's bytes, or (null, null) when there is no file, or (null, problem) when it is too large or not a file.</summary>
    private async Task<(byte[]? Bytes, string? Problem)> ReadBoundedAsync(string path, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            return (null, "it is a directory, not a file");
        }
        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, BufferSize = 0 });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, null);
        }
        await using (stream.ConfigureAwait(false))
        {
            var max = _options.MaxFileBytes;
            if (stream.Length > max)
            {
                return (null, $"it is {stream.Length} bytes, more than the bound of {max} bytes (State:MaxFileBytes)");
            }
            // Read one byte past the bound in case the file grew since its length was taken.
            var buffer = new byte[Math.Min(max + 1, (int)stream.Length + 1)];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }
            if (total > max)
            {
                CryptographicOperations.ZeroMemory(buffer);
                return (null, $"it is more than the bound of {max} bytes (State:MaxFileBytes)");
            }
            if (total == buffer.Length)
            {
                // It grew while being read: a writer that is not atomic. Treat what is there as the file.
                CryptographicOperations.ZeroMemory(buffer);
                return (null, "it changed while being read");
            }
            var bytes = buffer[..total];
            CryptographicOperations.ZeroMemory(buffer);
            return (bytes, null);
        }
    }

    private async Task WriteFileAsync<TFile>(string name, TFile file, JsonTypeInfo<TFile> info, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(file, info);
        try
        {
            using (await DirectoryLock.AcquireAsync(DataDirectory, cancellationToken).ConfigureAwait(false))
            {
                await _files.WriteAsync(PathOf(name), bytes, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private void WipeCredentialFiles()
    {
        var deleted = new List<string>();
        foreach (var name in (string[])[RegistrationFileName, SubDevicesFileName])
        {
            if (File.Exists(PathOf(name)))
            {
                File.Delete(PathOf(name));
                deleted.Add(name);
            }
            foreach (var copy in Directory.EnumerateFiles(DataDirectory, name + CorruptMarker + "*"))
            {
                File.Delete(copy);
                deleted.Add(Path.GetFileName(copy));
            }
        }
        UnixFileSystem.FlushDirectory(DataDirectory);
        LogCredentialsWiped(_logger, deleted.Count == 0 ? "(none were there)" : string.Join(", ", deleted));
    }

    /// <summary>Renames a corrupt file to <c>name.corrupt-UTC</c>; the new path, or null if it could not be moved.</summary>
    private string? MoveAside(string name)
    {
        var stamp = _timeProvider.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var target = PathOf(name + CorruptMarker + stamp);
        for (var n = 2; File.Exists(target) || Directory.Exists(target); n++)
        {
            target = PathOf(FormattableString.Invariant($"{name}{CorruptMarker}{stamp}-{n}"));
        }
        try
        {
            if (Directory.Exists(PathOf(name)))
            {
                Directory.Move(PathOf(name), target);
            }
            else
            {
                File.Move(PathOf(name), target, overwrite: false);
            }
            UnixFileSystem.FlushDirectory(DataDirectory);
            return target;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogMoveAsideFailed(_logger, PathOf(name), ex.GetType().Name);
            return null;
        }
    }

    private void NarrowFileMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupAndOther) != 0)
        {
            File.SetUnixFileMode(path, AtomicFile.PrivateFileMode);
            LogFileNarrowed(_logger, path, Octal(mode));
        }
    }

    private string PathOf(string name) => Path.Combine(DataDirectory, name);

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
