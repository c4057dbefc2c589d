using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.SubDevice.Onboarding;

/// <summary>
/// The sub-device's credentials on disk: a JSON array of the members of <c>subDeviceInfo</c>
/// (docs/protocol.md, section 6.1): <c>did</c>, <c>localKey</c>, <c>keyId</c>, <c>keyExpiresAt</c>,
/// <c>broker</c>, <c>brokerFingerprint</c>?, <c>kind</c>?. One file can hold a fleet (the emulator's
/// <c>--count</c>). The file holds localkeys: it is written atomically with mode 0600, and nothing of
/// its content is ever echoed in an error.
/// </summary>
public static class CredentialsFile
{
    /// <summary>The mode of the file: read and write for the owner only.</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Largest file read (a fleet of thousands fits easily).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>Reads and checks every entry.</summary>
    /// <exception cref="CredentialsFileException">Missing, unreadable, too large, not a JSON array, an invalid entry, or a did twice.</exception>
    public static IReadOnlyList<SubDeviceInfo> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CredentialsFileException($"{path}: no such file");
            }
            if (info.Length > MaxBytes)
            {
                throw new CredentialsFileException($"{path}: larger than {MaxBytes} bytes");
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CredentialsFileException($"{path}: cannot be read ({ex.GetType().Name})", ex);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses the file's content; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="CredentialsFileException">Not a JSON array of valid entries, or a did twice.</exception>
    public static IReadOnlyList<SubDeviceInfo> Parse(ReadOnlySpan<byte> utf8Json, string name)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            // The runtime's message can quote input; only the position is kept.
            throw new CredentialsFileException($"{name}: not valid JSON (line {ex.LineNumber + 1})", ex);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new CredentialsFileException($"{name}: must be a JSON array of sub-device entries");
            }
            var entries = new List<SubDeviceInfo>();
            var dids = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                SubDeviceInfo entry;
                try
                {
                    // The protocol's own decoder: the same strict rules as the onboarding frame.
                    entry = ProtocolJson.Deserialize<SubDeviceInfo>(Encoding.UTF8.GetBytes(element.GetRawText()));
                }
                catch (ProtocolException ex)
                {
                    throw new CredentialsFileException($"{name}: entry {index}: {ProtocolErrors.Name(ex.Code)}: {ex.Message}", ex);
                }
                if (!dids.Add(entry.Did))
                {
                    throw new CredentialsFileException($"{name}: entry {index}: did {entry.Did} appears twice");
                }
                entries.Add(entry);
                index++;
            }
            return entries;
        }
    }

    /// <summary>Encodes entries as the file's content.</summary>
    public static byte[] Serialize(IEnumerable<SubDeviceInfo> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var stream = new MemoryStream();
        stream.Write("["u8);
        var first = true;
        foreach (var entry in entries)
        {
            stream.Write(first ? "\n  "u8 : ",\n  "u8);
            stream.Write(ProtocolJson.Serialize(entry));
            first = false;
        }
        stream.Write("\n]\n"u8);
        return stream.ToArray();
    }

    /// <summary>
    /// Stores <paramref name="entry"/>: replaces the entry with the same did, or adds it. An existing
    /// file that does not parse is not overwritten (it may hold another device's keys).
    /// </summary>
    /// <exception cref="CredentialsFileException">The existing file is invalid, or the write failed.</exception>
    public static async Task StoreAsync(string path, SubDeviceInfo entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var entries = File.Exists(path) ? Load(path).Where(e => !string.Equals(e.Did, entry.Did, StringComparison.Ordinal)).ToList() : [];
        entries.Add(entry);
        await WriteAtomicallyAsync(path, Serialize(entries), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Temporary file beside the target, created 0600 from the start, written, flushed to disk,
    /// renamed over the target: a reader (or the next boot after a power cut) sees the old or the new
    /// file, never half of one, and never a world-readable one.
    /// </summary>
    public static async Task WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? ".";
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateMode;
        }
        try
        {
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            TryDelete(temp);
            if (ex is OperationCanceledException)
            {
                throw;
            }
            throw new CredentialsFileException($"{path}: cannot be written ({ex.GetType().Name})", ex);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind; it is 0600 like the file it would have become.
        }
    }
}

/// <summary>The credentials file is missing, unreadable or invalid. The message names the file and the entry, never a key.</summary>
public sealed class CredentialsFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CredentialsFileException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CredentialsFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CredentialsFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
