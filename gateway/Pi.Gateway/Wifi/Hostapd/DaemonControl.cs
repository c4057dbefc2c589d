using System.Globalization;
using Pi.Gateway.Wifi.Commands;

namespace Pi.Gateway.Wifi.Hostapd;

/// <summary>
/// The daemons the hostapd radio starts (hostapd, dnsmasq, wpa_supplicant, dhclient) write pid
/// files; this stops them by that PID, after checking the PID still names the program (a stale
/// pid file must not kill whatever reused the number). Goes through <see cref="ICommandRunner"/>
/// (<c>ps</c>, <c>kill</c>) so tests can script it.
/// </summary>
internal sealed class DaemonControl(ICommandRunner runner, TimeProvider time)
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>The PID in <paramref name="pidFile"/>, or null when there is none or it is garbage.</summary>
    public static int? ReadPid(string pidFile)
    {
        try
        {
            var info = new FileInfo(pidFile);
            if (!info.Exists || info.Length > 64)
            {
                return null;
            }
            return int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="pid"/> is alive and is <paramref name="program"/>.</summary>
    public async Task<bool> IsRunningAsync(int pid, string program, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(
            Command.Of("ps", "-o", "comm=", "-p", pid.ToString(CultureInfo.InvariantCulture)) with { Timeout = TimeSpan.FromSeconds(5) },
            cancellationToken).ConfigureAwait(false);
        // comm is cut at 15 characters.
        var name = program.Length > 15 ? program[..15] : program;
        return result.Succeeded && result.StandardOutput.Trim() == name;
    }

    /// <summary>True when the daemon in <paramref name="pidFile"/> runs.</summary>
    public async Task<bool> IsRunningAsync(string pidFile, string program, CancellationToken cancellationToken) =>
        ReadPid(pidFile) is { } pid && await IsRunningAsync(pid, program, cancellationToken).ConfigureAwait(false);

    /// <summary>Stops the daemon in <paramref name="pidFile"/>: SIGTERM, then SIGKILL if it lingers; removes the pid file. Returns its PID if one was stopped.</summary>
    public async Task<int?> StopAsync(string pidFile, string program, CancellationToken cancellationToken)
    {
        var pid = ReadPid(pidFile);
        int? stopped = null;
        if (pid is { } id && await IsRunningAsync(id, program, cancellationToken).ConfigureAwait(false))
        {
            var text = id.ToString(CultureInfo.InvariantCulture);
            await runner.RunAsync(Command.Of("kill", "-TERM", text) with { Timeout = TimeSpan.FromSeconds(5) }, cancellationToken).ConfigureAwait(false);
            var deadline = time.GetUtcNow() + StopBound;
            while (await IsRunningAsync(id, program, cancellationToken).ConfigureAwait(false))
            {
                if (time.GetUtcNow() >= deadline)
                {
                    await runner.RunAsync(Command.Of("kill", "-KILL", text) with { Timeout = TimeSpan.FromSeconds(5) }, cancellationToken).ConfigureAwait(false);
                    break;
                }
                await Task.Delay(StopPoll, time, cancellationToken).ConfigureAwait(false);
            }
            stopped = id;
        }
        try
        {
            File.Delete(pidFile);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return stopped;
    }
}
