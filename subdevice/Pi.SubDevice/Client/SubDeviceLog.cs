using Microsoft.Extensions.Logging;

namespace Pi.SubDevice.Client;

/// <summary>The client's log lines: dids, reasons and counts, never a key or password.</summary>
internal static partial class SubDeviceLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "{Did} linked (connection {Connection}, key id {KeyId})")]
    public static partial void Linked(ILogger logger, string did, int connection, uint keyId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "{Did} lost its link (connection {Connection}): {Reason}")]
    public static partial void LinkLost(ILogger logger, string did, int connection, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "{Did} refused by the broker ({Reason}); retrying in {RetryIn}")]
    public static partial void Refused(ILogger logger, string did, string reason, TimeSpan retryIn);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "{Did} connection {Connection} failed: {Reason}; retrying in {RetryIn}")]
    public static partial void ConnectFailed(ILogger logger, string did, int connection, string reason, TimeSpan retryIn);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "{Did} dropped a down packet on connection {Connection}: {Reason}")]
    public static partial void Dropped(ILogger logger, string did, int connection, string reason);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Debug, Message = "{Did} ignored a {Type} from the gateway")]
    public static partial void Ignored(ILogger logger, string did, string type);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "{Did} could not send the response to {Txn}: {Reason}")]
    public static partial void ResponseNotSent(ILogger logger, string did, string txn, string reason);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "{Did} command handler for {Command} threw")]
    public static partial void HandlerThrew(ILogger logger, string did, string command, Exception exception);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Error, Message = "{Did}: a {Event} observer threw")]
    public static partial void ObserverThrew(ILogger logger, string did, string @event, Exception exception);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "{Did} stopped")]
    public static partial void Stopped(ILogger logger, string did);
}
