using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pi.App.Cloud;

// The app's own view of the cloud's APP API (docs/cloud-api.md). Only the members the app reads.

/// <summary><c>POST /api/accounts</c> and <c>POST /api/sessions</c>.</summary>
internal sealed record CredentialsDto(string Email, string Password);

/// <summary>The answer of <c>POST /api/sessions</c>.</summary>
internal sealed record LoginDto(string Token, string TokenType, DateTimeOffset ExpiresAt, byte[] Nonce);

/// <summary>A warning of a gateway view (<c>key_expiring</c> and the like).</summary>
internal sealed record WarningDto(string Code, DateTimeOffset? ExpiresAt, string? Message);

/// <summary>A gateway view, as far as the table shows it.</summary>
internal sealed record GatewayDto(string Tid, bool Online, DateTimeOffset? LastSeenAt, DateTimeOffset? KeyExpiresAt, IReadOnlyList<WarningDto>? Warnings);

/// <summary>The body of <c>POST /api/gateways/{tid}/commands</c>.</summary>
internal sealed record CommandDto(string Command, string? Did, JsonElement? Args, int? TimeoutMs);

/// <summary>The reply to a command.</summary>
internal sealed record CommandReplyDto(string? Txn, bool Ok, JsonElement? Result, string? ErrorCode, string? ErrorMessage);

/// <summary>The answer of <c>POST /api/gateways/{tid}/rotate-keys</c>.</summary>
internal sealed record KeyRotationDto(string Tid, uint KeyId, DateTimeOffset KeyExpiresAt, bool Delivered);

/// <summary>The answer of <c>DELETE /api/gateways/{tid}/subdevices/{did}</c>.</summary>
internal sealed record RemovedSubDeviceDto(string Did, bool Delivered);

/// <summary>An RFC 9457 problem with the cloud's stable <c>code</c>.</summary>
internal sealed record ProblemDto(string? Code, string? Title, string? Detail, int? Status);

/// <summary>What login and signup print (never the token).</summary>
internal sealed record SessionOutput(string Cloud, string Email, DateTimeOffset ExpiresAt, string? Trust);

/// <summary>What logout prints.</summary>
internal sealed record LogoutOutput(bool LoggedOut, string? Cloud, bool CloudReached);

/// <summary>The session file, <c>pi-app/session.json</c> in the config directory (mode 0600).</summary>
internal sealed record SessionFile(string Cloud, string Email, string Token, DateTimeOffset ExpiresAt, string Nonce, string? Trust);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CredentialsDto))]
[JsonSerializable(typeof(LoginDto))]
[JsonSerializable(typeof(List<GatewayDto>))]
[JsonSerializable(typeof(CommandDto))]
[JsonSerializable(typeof(CommandReplyDto))]
[JsonSerializable(typeof(KeyRotationDto))]
[JsonSerializable(typeof(RemovedSubDeviceDto))]
[JsonSerializable(typeof(ProblemDto))]
[JsonSerializable(typeof(SessionOutput))]
[JsonSerializable(typeof(LogoutOutput))]
[JsonSerializable(typeof(SessionFile))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class AppJson : JsonSerializerContext;
