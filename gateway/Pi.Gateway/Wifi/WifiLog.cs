using Microsoft.Extensions.Logging;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi;

/// <summary>
/// The Wi-Fi radios' log lines (event ids 4100-4199). SSIDs are logged (they are broadcast in the
/// clear); passwords, passphrases and PSKs never are.
/// </summary>
internal static partial class WifiLog
{
    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "{Radio}: scan found {Count} networks")]
    public static partial void Scanned(this ILogger logger, string radio, int count);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "{Radio}: access point {Ssid} is up on channel {Channel}")]
    public static partial void AccessPointStarted(this ILogger logger, string radio, string ssid, int channel);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Information, Message = "{Radio}: access point stopped")]
    public static partial void AccessPointStopped(this ILogger logger, string radio);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Information, Message = "{Radio}: joining {Ssid} ({Security})")]
    public static partial void Joining(this ILogger logger, string radio, string ssid, WifiSecurity security);

    [LoggerMessage(EventId = 4114, Level = LogLevel.Information, Message = "{Radio}: joined {Ssid} with address {Ip}")]
    public static partial void Joined(this ILogger logger, string radio, string ssid, string ip);

    [LoggerMessage(EventId = 4115, Level = LogLevel.Warning, Message = "{Radio}: joining {Ssid} failed: {Failure}")]
    public static partial void JoinFailed(this ILogger logger, string radio, string ssid, WifiFailure failure);

    [LoggerMessage(EventId = 4116, Level = LogLevel.Warning, Message = "{Radio}: joining {Ssid} failed on the radio")]
    public static partial void JoinRadioError(this ILogger logger, Exception exception, string radio, string ssid);

    [LoggerMessage(EventId = 4117, Level = LogLevel.Information, Message = "{Radio}: forgot the joined network")]
    public static partial void Forgot(this ILogger logger, string radio);

    [LoggerMessage(EventId = 4118, Level = LogLevel.Information, Message = "{Radio}: {Interface} handed over from NetworkManager ({Path})")]
    public static partial void HandedOver(this ILogger logger, string radio, string @interface, string path);

    [LoggerMessage(EventId = 4119, Level = LogLevel.Debug, Message = "{Radio}: {Tool} failed with {ExitCode}: {Error}")]
    public static partial void ToolFailed(this ILogger logger, string radio, string tool, int exitCode, string error);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Information, Message = "{Radio}: station resumed from {Path}")]
    public static partial void StationResumed(this ILogger logger, string radio, string path);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Debug, Message = "{Radio}: stopped {Program} (pid {Pid})")]
    public static partial void DaemonStopped(this ILogger logger, string radio, string program, int pid);
}
