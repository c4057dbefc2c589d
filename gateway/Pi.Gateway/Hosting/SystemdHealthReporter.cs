using Microsoft.Extensions.Hosting.Systemd;

namespace Pi.Gateway.Hosting;

/// <summary>
/// Pets systemd's watchdog (<c>WATCHDOG=1</c>) each time the main loop reports itself healthy,
/// and never when it is not: a stuck or faulted loop lets <c>WatchdogSec</c> restart the service.
/// Does nothing when not run by systemd.
/// </summary>
public sealed class SystemdHealthReporter(ISystemdNotifier notifier) : IHealthReporter
{
    private static readonly ServiceState Watchdog = new("WATCHDOG=1");

    /// <inheritdoc />
    public void Report(bool healthy)
    {
        if (healthy && notifier.IsEnabled)
        {
            notifier.Notify(Watchdog);
        }
    }
}
