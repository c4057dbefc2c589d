using Microsoft.Extensions.Logging;

namespace Pi.Gateway.State;

// Event ids 2100-2149: the state store. Never a secret in a message or a value: identity fields
// logged here (uuid, sn, MAC) are printed on the label; keys, passwords and codes never are.
public sealed partial class FileGatewayStateStore
{
    [LoggerMessage(2100, LogLevel.Information, "State directory {Directory} created (mode 0700)")]
    private static partial void LogDirectoryCreated(ILogger logger, string directory);

    [LoggerMessage(2101, LogLevel.Warning, "State directory {Directory} was open to other users (mode {Mode}); narrowed to owner only")]
    private static partial void LogDirectoryNarrowed(ILogger logger, string directory, string mode);

    [LoggerMessage(2102, LogLevel.Information, "Removed {Count} temporary file(s) an interrupted write left in {Directory}: {Names}")]
    private static partial void LogStrayTempFilesRemoved(ILogger logger, int count, string directory, string names);

    [LoggerMessage(2103, LogLevel.Warning, "State file {File} is corrupt: {Problem}. Moved aside to {MovedTo}; continuing as if it were missing")]
    private static partial void LogFileCorrupt(ILogger logger, string file, string problem, string movedTo);

    [LoggerMessage(2104, LogLevel.Critical, "Identity file {File} is corrupt: {Problem}. The gateway will not make a new identity on its own: the printed label (MAC, setup code) would no longer match. Recover: restore {File} from a backup, or start once with {Switch} (the old registration is then wiped and a new label must be printed with 'Pi.Gateway qr')")]
    private static partial void LogIdentityCorrupt(ILogger logger, string file, string problem, string @switch);

    [LoggerMessage(2105, LogLevel.Warning, "Identity file {File} was corrupt ({Problem}); moved aside to {MovedTo}. A new identity is made as asked; the registration and sub-device keys of the old one are wiped and the reset flag set. Print the new label with 'Pi.Gateway qr'")]
    private static partial void LogIdentityRegenerated(ILogger logger, string file, string problem, string movedTo);

    [LoggerMessage(2106, LogLevel.Information, "Identity created: uuid {Uuid}, sn {Sn}, mac {Mac} ({File})")]
    private static partial void LogIdentityCreated(ILogger logger, string uuid, string sn, string mac, string file);

    [LoggerMessage(2107, LogLevel.Warning, "The identity's MAC {IdentityMac} differs from the Wi-Fi interface's {InterfaceMac}; the identity (and its label) is kept")]
    private static partial void LogIdentityMacDiffers(ILogger logger, string identityMac, string interfaceMac);

    [LoggerMessage(2108, LogLevel.Information, "Identity regeneration was asked for but {File} is valid: it is kept")]
    private static partial void LogRegenerateIgnored(ILogger logger, string file);

    [LoggerMessage(2109, LogLevel.Information, "Registration stored: tid {Tid}, key id {KeyId} until {KeyExpiresAt}, pending key id {PendingKeyId}")]
    private static partial void LogRegistrationSaved(ILogger logger, string tid, uint keyId, DateTimeOffset keyExpiresAt, uint? pendingKeyId);

    [LoggerMessage(2110, LogLevel.Debug, "Sub-device credentials stored ({Count})")]
    private static partial void LogSubDevicesSaved(ILogger logger, int count);

    [LoggerMessage(2111, LogLevel.Information, "Reset flag stored: {ResetFlag}")]
    private static partial void LogResetFlagSaved(ILogger logger, bool resetFlag);

    [LoggerMessage(2112, LogLevel.Information, "Credentials wiped: {Files}")]
    private static partial void LogCredentialsWiped(ILogger logger, string files);

    [LoggerMessage(2113, LogLevel.Warning, "State file {File} could not be moved aside ({Error})")]
    private static partial void LogMoveAsideFailed(ILogger logger, string file, string error);

    [LoggerMessage(2114, LogLevel.Warning, "State file {File} was open to other users (mode {Mode}); narrowed to 0600")]
    private static partial void LogFileNarrowed(ILogger logger, string file, string mode);
}
