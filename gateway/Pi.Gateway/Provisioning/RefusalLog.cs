using System.Net;
using Microsoft.Extensions.Logging;
using Pi.Protocol.Errors;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// One log line per refused datagram or connection, at most <c>burst</c> per window: anyone in
/// radio range can send garbage, and the log must not become the attack. Refusals beyond the burst
/// are counted and reported in one line when the next window starts (or at stop).
/// </summary>
internal sealed class RefusalLog(ILogger logger, TimeProvider time, int burst, TimeSpan window)
{
    private readonly Lock _lock = new();
    private long _windowStart = time.GetTimestamp();
    private int _logged;
    private int _suppressed;

    /// <summary>A searchDevice datagram was refused.</summary>
    public void Search(EndPoint remote, ProtocolErrorCode code, string reason)
    {
        var level = LevelOf(code);
        if (logger.IsEnabled(level) && Admit())
        {
            ProvisioningLog.SearchRefused(logger, level, remote, new ErrorName(code), reason);
        }
    }

    /// <summary>A TCP connection (or its session) was refused or dropped.</summary>
    public void Session(EndPoint remote, ProtocolErrorCode code, string reason)
    {
        var level = LevelOf(code);
        if (logger.IsEnabled(level) && Admit())
        {
            ProvisioningLog.SessionRefused(logger, level, remote, new ErrorName(code), reason);
        }
    }

    /// <summary>Reports refusals still counted (at stop).</summary>
    public void Flush()
    {
        int suppressed;
        lock (_lock)
        {
            suppressed = _suppressed;
            _suppressed = 0;
        }
        if (suppressed > 0)
        {
            ProvisioningLog.RefusalsSuppressed(logger, suppressed, window);
        }
    }

    private bool Admit()
    {
        var suppressed = 0;
        bool admit;
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_windowStart, now) >= window)
            {
                suppressed = _suppressed;
                _suppressed = 0;
                _logged = 0;
                _windowStart = now;
            }
            admit = _logged < burst;
            if (admit)
            {
                _logged++;
            }
            else
            {
                _suppressed++;
            }
        }
        if (suppressed > 0)
        {
            ProvisioningLog.RefusalsSuppressed(logger, suppressed, window);
        }
        return admit;
    }

    // A search meant for another gateway is ordinary traffic where several gateways share a network.
    private static LogLevel LevelOf(ProtocolErrorCode code) =>
        code == ProtocolErrorCode.UnknownDevice ? LogLevel.Information : LogLevel.Warning;
}

/// <summary>An error code that logs as its wire name (<c>authentication_failed</c>), as docs/protocol.md writes it.</summary>
internal readonly record struct ErrorName(ProtocolErrorCode Code)
{
    public override string ToString() => ProtocolErrors.Name(Code);
}
