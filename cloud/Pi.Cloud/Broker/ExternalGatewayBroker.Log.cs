using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Pi.Cloud.Broker;

// Event ids 3100-3199. Structured fields only; a session token is never a field.
public sealed partial class ExternalGatewayBroker
{
    [LoggerMessage(3100, LogLevel.Information, "External broker: worker {ClientId} connecting to {Host}:{Port} (TLS {UseTls}, Mosquitto dynamic security {DynamicSecurity})")]
    private static partial void LogStarting(ILogger logger, string clientId, string host, int port, bool useTls, bool dynamicSecurity);

    [LoggerMessage(3101, LogLevel.Information, "External broker: worker {ClientId} connected and subscribed")]
    private static partial void LogConnected(ILogger logger, string clientId);

    [LoggerMessage(3102, LogLevel.Warning, "External broker: connection lost ({Reason} {ReasonString} {Error})")]
    private static partial void LogConnectionLost(ILogger logger, MqttClientDisconnectReason reason, string? reasonString, string? error);

    [LoggerMessage(3103, LogLevel.Error, "External broker: connect refused with 0x{Code:X2} {ResultCode} {ReasonString}; check Cloud:Mqtt:External:Username/Password (docs/broker.md)")]
    private static partial void LogConnectRefused(ILogger logger, int code, MqttClientConnectResultCode resultCode, string? reasonString);

    [LoggerMessage(3104, LogLevel.Warning, "External broker: connect or subscribe failed: {ErrorType}: {Error}")]
    private static partial void LogConnectFailed(ILogger logger, string errorType, string error);

    [LoggerMessage(3105, LogLevel.Information, "External broker: next connect attempt in {DelayMs:0} ms (attempt {Attempt})")]
    private static partial void LogRetrying(ILogger logger, double delayMs, int attempt);

    [LoggerMessage(3106, LogLevel.Information, "External broker: worker {ClientId} stopped")]
    private static partial void LogStopped(ILogger logger, string clientId);

    [LoggerMessage(3107, LogLevel.Debug, "External broker: disconnect did not complete cleanly: {Error}")]
    private static partial void LogDisconnectFailed(ILogger logger, string error);

    [LoggerMessage(3108, LogLevel.Warning, "External broker: the broker offers no subscription identifiers; this worker only sees its share of availability changes")]
    private static partial void LogNoSubscriptionIdentifiers(ILogger logger);

    [LoggerMessage(3110, LogLevel.Information, "External broker: gateway {Tid} admitted")]
    private static partial void LogAdmitted(ILogger logger, string tid);

    [LoggerMessage(3111, LogLevel.Information, "External broker: gateway {Tid} evicted")]
    private static partial void LogEvicted(ILogger logger, string tid);

    [LoggerMessage(3112, LogLevel.Debug, "External broker: {Operation} of gateway {Tid} left to the broker (dynamic security off)")]
    private static partial void LogNotManaged(ILogger logger, string operation, string tid);

    [LoggerMessage(3113, LogLevel.Warning, "External broker: could not publish offline for evicted gateway {Tid}: {Error}")]
    private static partial void LogOfflineNotPublished(ILogger logger, string tid, string error);

    [LoggerMessage(3120, LogLevel.Debug, "External broker: down to {Tid} not sent: not connected to the broker")]
    private static partial void LogDownNotConnected(ILogger logger, string tid);

    [LoggerMessage(3121, LogLevel.Debug, "External broker: down to {Tid} not sent: the gateway is offline")]
    private static partial void LogDownGatewayOffline(ILogger logger, string tid);

    [LoggerMessage(3122, LogLevel.Debug, "External broker: down to {Tid} reached no subscriber")]
    private static partial void LogDownNoSubscriber(ILogger logger, string tid);

    [LoggerMessage(3123, LogLevel.Error, "External broker: down to {Tid} refused with PUBACK 0x{Code:X2} {ReasonCode}; the cloud's user needs publishClientSend on pi/v2/gw/+/down")]
    private static partial void LogDownRefused(ILogger logger, string tid, int code, MqttClientPublishReasonCode reasonCode);

    [LoggerMessage(3124, LogLevel.Warning, "External broker: down to {Tid} failed: {Error}")]
    private static partial void LogDownFailed(ILogger logger, string tid, string error);

    [LoggerMessage(3130, LogLevel.Debug, "External broker: ignored a message on {Topic} (retained {Retain})")]
    private static partial void LogIgnored(ILogger logger, string topic, bool retain);

    [LoggerMessage(3131, LogLevel.Error, "External broker: the session channel failed on a message of gateway {Tid}")]
    private static partial void LogTrafficFailed(ILogger logger, string? tid, Exception exception);
}
