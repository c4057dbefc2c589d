using System.Globalization;

namespace Pi.BridgeBench;

/// <summary>CPU time and memory of one process at one moment, from /proc (Linux).</summary>
/// <param name="Cpu">User + system CPU time since the process started.</param>
/// <param name="PeakRssBytes">VmHWM (peak resident set), null when unavailable.</param>
public readonly record struct ProcessSample(TimeSpan Cpu, long? PeakRssBytes);

/// <summary>Reads <c>/proc/&lt;pid&gt;/stat</c> and <c>/proc/&lt;pid&gt;/status</c>.</summary>
public static class ProcessUsage
{
    // utime/stime are in clock ticks of USER_HZ, which Linux fixes at 100 on every architecture
    // the project runs on (x86-64, arm64); sysconf(_SC_CLK_TCK) returns the same.
    private const double TicksPerSecond = 100;

    /// <summary>The sample, or null when the process is gone or /proc is not there.</summary>
    public static ProcessSample? TryRead(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (15) fields[12].
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return new ProcessSample(TimeSpan.FromSeconds(ticks / TicksPerSecond), ReadPeakRss(processId));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>True while /proc/&lt;pid&gt; exists (a zombie counts: its parent has not reaped it yet).</summary>
    public static bool Exists(int processId) => Directory.Exists($"/proc/{processId}");

    private static long? ReadPeakRss(int processId)
    {
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return null;
    }
}
