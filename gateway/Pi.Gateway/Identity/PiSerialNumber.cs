using System.Text;

namespace Pi.Gateway.Identity;

/// <summary>
/// Reads the Raspberry Pi's serial number: <c>/proc/device-tree/serial-number</c> (a NUL-terminated
/// string; every Pi with a device tree), else the <c>Serial</c> line of <c>/proc/cpuinfo</c> (older
/// 32-bit kernels). Elsewhere (a PC, a container) there is none. Paths are injectable for tests.
/// </summary>
public sealed class PiSerialNumber
{
    /// <summary>Where the device tree exposes the serial.</summary>
    public const string DefaultDeviceTreePath = "/proc/device-tree/serial-number";

    /// <summary>Where older kernels print it.</summary>
    public const string DefaultCpuInfoPath = "/proc/cpuinfo";

    // Generous bounds: the device tree entry is 17 bytes, cpuinfo a few KiB even on many cores.
    private const int MaxDeviceTreeBytes = 256;
    private const int MaxCpuInfoBytes = 1024 * 1024;

    private readonly string _deviceTreePath;
    private readonly string _cpuInfoPath;

    /// <summary>Reads from the usual places.</summary>
    public PiSerialNumber()
        : this(DefaultDeviceTreePath, DefaultCpuInfoPath)
    {
    }

    /// <summary>Reads from the given files (tests).</summary>
    public PiSerialNumber(string deviceTreePath, string cpuInfoPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceTreePath);
        ArgumentException.ThrowIfNullOrEmpty(cpuInfoPath);
        _deviceTreePath = deviceTreePath;
        _cpuInfoPath = cpuInfoPath;
    }

    /// <summary>The serial (8 to 32 lower-case hex digits, not all zeros), or null where there is none.</summary>
    public async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        var deviceTree = await ReadBoundedAsync(_deviceTreePath, MaxDeviceTreeBytes, cancellationToken).ConfigureAwait(false);
        if (deviceTree is not null && Accept(Encoding.ASCII.GetString(deviceTree).TrimEnd('\0', '\n', ' ', '\t')) is { } fromDeviceTree)
        {
            return fromDeviceTree;
        }
        var cpuInfo = await ReadBoundedAsync(_cpuInfoPath, MaxCpuInfoBytes, cancellationToken).ConfigureAwait(false);
        return cpuInfo is null ? null : ParseCpuInfo(Encoding.ASCII.GetString(cpuInfo));
    }

    /// <summary>The value of the <c>Serial</c> line (<c>Serial		: 10000000abcdef01</c>), if acceptable.</summary>
    internal static string? ParseCpuInfo(string cpuInfo)
    {
        foreach (var line in cpuInfo.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals("Serial", StringComparison.OrdinalIgnoreCase))
            {
                return Accept(line[(colon + 1)..].Trim());
            }
        }
        return null;
    }

    /// <summary>The serial in lower case if it looks like a real one (hex, 8 to 32 digits, not all zeros).</summary>
    internal static string? Accept(string value)
    {
        if (value.Length is < 8 or > 32)
        {
            return null;
        }
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }
        // Emulators and some boards report zeros: that identifies nothing.
        return value.AsSpan().ContainsAnyExcept('0') ? value.ToLowerInvariant() : null;
    }

    private static async Task<byte[]?> ReadBoundedAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            // procfs files report length 0: read to the end, but never past the bound.
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            await using (stream.ConfigureAwait(false))
            {
                var buffer = new byte[maxBytes];
                var total = 0;
                int read;
                while (total < maxBytes && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                }
                return buffer[..total];
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }
}
