using System.Net;
using Microsoft.Extensions.Logging;
using Pi.Gateway.Wifi;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// Every line the provisioning server writes. Event ids 2000-2099. Structured fields only; no
/// password, key, setup code, verification code, binding hash or APP random is ever a field (an
/// SSID and a tid are: they are names, not secrets).
/// </summary>
internal static partial class ProvisioningLog
{
    [LoggerMessage(2000, LogLevel.Information, "Provisioning: searches on udp {SearchEndPoint}, sessions on tcp {SessionEndPoint}, answers to udp {AnswerEndPoint} ({Mode})")]
    public static partial void Started(ILogger logger, IPEndPoint searchEndPoint, IPEndPoint sessionEndPoint, IPEndPoint answerEndPoint, string mode);

    [LoggerMessage(2003, LogLevel.Information, "Provisioning: the gateway is provisioned; searches on udp {SearchEndPoint} are answered with already_provisioned (to {AnswerEndPoint})")]
    public static partial void StartedProvisioned(ILogger logger, IPEndPoint searchEndPoint, IPEndPoint answerEndPoint);

    [LoggerMessage(2014, LogLevel.Information, "Provisioning: told {Remote} that the gateway is already provisioned")]
    public static partial void SearchAnsweredProvisioned(ILogger logger, EndPoint remote);

    [LoggerMessage(2001, LogLevel.Information, "Provisioning: stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(2002, LogLevel.Warning, "Provisioning: open mode (the seed's unauthenticated key agreement): anyone in radio range can sit in the middle; use a setup code")]
    public static partial void OpenModeWarning(ILogger logger);

    [LoggerMessage(2010, LogLevel.Debug, "Provisioning: answered a search from {Remote} ({Pending} pending)")]
    public static partial void SearchAnswered(ILogger logger, EndPoint remote, int pending);

    [LoggerMessage(EventId = 2011, Message = "Provisioning: refused a search from {Remote}: {Code}: {Reason}")]
    public static partial void SearchRefused(ILogger logger, LogLevel level, EndPoint remote, ErrorName code, string reason);

    [LoggerMessage(2012, LogLevel.Warning, "Provisioning: deviceInfo not sent to {Destination}: {Error}")]
    public static partial void AnswerNotSent(ILogger logger, EndPoint destination, string error);

    [LoggerMessage(2013, LogLevel.Warning, "Provisioning: receiving a search failed: {Error}")]
    public static partial void SearchReceiveFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 2020, Message = "Provisioning: refused a connection from {Remote}: {Code}: {Reason}")]
    public static partial void SessionRefused(ILogger logger, LogLevel level, EndPoint remote, ErrorName code, string reason);

    [LoggerMessage(2021, LogLevel.Information, "Provisioning: session {SessionId} started with {Remote}")]
    public static partial void SessionStarted(ILogger logger, long sessionId, EndPoint remote);

    [LoggerMessage(2022, LogLevel.Information, "Provisioning: session {SessionId} with {Remote} ended ({Reason})")]
    public static partial void SessionEnded(ILogger logger, long sessionId, EndPoint remote, ProvisioningSessionEndReason reason);

    [LoggerMessage(2023, LogLevel.Information, "Provisioning: the APP of session {SessionId} connected again from {Remote}; the old connection is replaced")]
    public static partial void SessionSuperseded(ILogger logger, long sessionId, EndPoint remote);

    [LoggerMessage(2024, LogLevel.Information, "Provisioning: session {SessionId}: the APP reported {Code}")]
    public static partial void AppReportedError(ILogger logger, long sessionId, ErrorName code);

    [LoggerMessage(2025, LogLevel.Error, "Provisioning: a connection from {Remote} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, EndPoint remote, Exception exception);

    [LoggerMessage(2026, LogLevel.Warning, "Provisioning: accepting a connection failed: {Error}")]
    public static partial void AcceptFailed(ILogger logger, string error);

    [LoggerMessage(2030, LogLevel.Information, "Provisioning: session {SessionId}: sent {Count} networks (rescan {Rescan}, {LeftOut} left out)")]
    public static partial void NetworksSent(ILogger logger, long sessionId, int count, bool rescan, int leftOut);

    [LoggerMessage(2031, LogLevel.Warning, "Provisioning: session {SessionId}: the network list failed (rescan {Rescan})")]
    public static partial void NetworksFailed(ILogger logger, long sessionId, bool rescan, Exception exception);

    [LoggerMessage(2032, LogLevel.Information, "Provisioning: session {SessionId}: joining \"{Ssid}\"")]
    public static partial void Joining(ILogger logger, long sessionId, string ssid);

    [LoggerMessage(2033, LogLevel.Information, "Provisioning: session {SessionId}: joined \"{Ssid}\" (address {Ip})")]
    public static partial void Joined(ILogger logger, long sessionId, string ssid, string? ip);

    [LoggerMessage(2034, LogLevel.Warning, "Provisioning: session {SessionId}: joining \"{Ssid}\" failed: {Failure}")]
    public static partial void JoinFailed(ILogger logger, long sessionId, string ssid, WifiFailure failure);

    [LoggerMessage(2035, LogLevel.Error, "Provisioning: session {SessionId}: joining \"{Ssid}\" threw; reported as radio_error")]
    public static partial void JoinThrew(ILogger logger, long sessionId, string ssid, Exception exception);

    [LoggerMessage(2036, LogLevel.Information, "Provisioning: session {SessionId}: registration of {Tid} stored (key id {KeyId})")]
    public static partial void RegistrationStored(ILogger logger, long sessionId, string tid, uint keyId);

    [LoggerMessage(2037, LogLevel.Warning, "Provisioning: session {SessionId}: registration of {Tid} not stored: {Code}: {Reason}")]
    public static partial void RegistrationNotStored(ILogger logger, long sessionId, string tid, ErrorName code, string reason);

    [LoggerMessage(2038, LogLevel.Error, "Provisioning: session {SessionId}: storing the registration of {Tid} threw; reported as internal")]
    public static partial void RegistrationThrew(ILogger logger, long sessionId, string tid, Exception exception);

    [LoggerMessage(2039, LogLevel.Error, "Provisioning: the handler's {Notification} threw")]
    public static partial void NotificationThrew(ILogger logger, string notification, Exception exception);

    [LoggerMessage(2040, LogLevel.Warning, "Provisioning: {Count} more refusals in the last {Window} were not logged")]
    public static partial void RefusalsSuppressed(ILogger logger, int count, TimeSpan window);
}
