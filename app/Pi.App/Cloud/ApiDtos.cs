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

/// <summary>The body of <c>POST /api/gateways</c>: what deviceInfo said, and its binding hash.</summary>
internal sealed record RegisterGatewayDto(string Mac, string Uuid, string Sn, string Hash, string? VerificationCode, string? Product, string? Firmware);

/// <summary>The answer of <c>POST /api/gateways</c>: the members of registrationInfo.</summary>
internal sealed record RegistrationDto(string Tid, string Password, string AccessKey, string LocalKey, uint KeyId, DateTimeOffset KeyExpiresAt, DateTimeOffset ServiceExpiresAt, string? CloudUrl, bool Reregistered);

/// <summary>The body of <c>POST /api/gateways/{tid}/bind</c>.</summary>
internal sealed record BindDto(string Hash);

/// <summary>The answer of <c>POST /api/gateways/{tid}/bind</c>.</summary>
internal sealed record BindResultDto(string Tid, bool Bound, bool AlreadyOwner);

/// <summary>A sub-device in a gateway view.</summary>
internal sealed record SubDeviceViewDto(string Did, string? Kind, string? Name, string? State, bool Online, DateTimeOffset? LastSeenAt);

/// <summary>One gateway view (<c>GET /api/gateways/{tid}</c>), as far as provision and subdevices add read it.</summary>
internal sealed record GatewayDetailDto(string Tid, bool Online, IReadOnlyList<SubDeviceViewDto>? SubDevices);

/// <summary>The body of <c>POST /api/gateways/{tid}/subdevices</c>.</summary>
internal sealed record AddSubDeviceDto(string? Kind, string? Name);

/// <summary>The answer of <c>POST /api/gateways/{tid}/subdevices</c>.</summary>
internal sealed record AddedSubDeviceDto(string Did, string Tid, string AccessKey, string LocalKey, uint KeyId, DateTimeOffset KeyExpiresAt, bool Delivered);

/// <summary>What <c>provision</c> prints with <c>--json</c> (one object; members that do not apply are left out).</summary>
internal sealed record ProvisionOutput(
    string Outcome,
    string? Step = null,
    string? Reason = null,
    string? Next = null,
    string? Tid = null,
    string? Mac = null,
    string? Ssid = null,
    string? Ip = null,
    bool? Online = null,
    bool? Bound = null,
    ProvisionSecretsOutput? Secrets = null);

/// <summary>The secrets of a provisioning run, printed only with <c>--show-secrets</c>.</summary>
internal sealed record ProvisionSecretsOutput(string? SetupCode, string? WifiPassword, string? Password, string? AccessKey, string? LocalKey, uint? KeyId);

/// <summary>What <c>subdevices add</c> prints with <c>--json</c>.</summary>
internal sealed record SubDeviceAddOutput(
    string Outcome,
    string? Step = null,
    string? Reason = null,
    string? Next = null,
    string? Did = null,
    string? Tid = null,
    bool? Online = null,
    string? Broker = null,
    SubDeviceSecretsOutput? Secrets = null);

/// <summary>The sub-device's secrets, printed only with <c>--show-secrets</c>.</summary>
internal sealed record SubDeviceSecretsOutput(string? SetupCode, string? LocalKey, string? AccessKey, uint? KeyId);

/// <summary>What the app remembers of a gateway it provisioned (<c>gateways.json</c>): where its LAN broker is.</summary>
internal sealed record KnownGatewayDto(string Mac, string? Ip);

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
[JsonSerializable(typeof(RegisterGatewayDto))]
[JsonSerializable(typeof(RegistrationDto))]
[JsonSerializable(typeof(BindDto))]
[JsonSerializable(typeof(BindResultDto))]
[JsonSerializable(typeof(GatewayDetailDto))]
[JsonSerializable(typeof(AddSubDeviceDto))]
[JsonSerializable(typeof(AddedSubDeviceDto))]
[JsonSerializable(typeof(ProvisionOutput))]
[JsonSerializable(typeof(SubDeviceAddOutput))]
[JsonSerializable(typeof(Dictionary<string, KnownGatewayDto>))]
[JsonSerializable(typeof(SessionOutput))]
[JsonSerializable(typeof(LogoutOutput))]
[JsonSerializable(typeof(SessionFile))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class AppJson : JsonSerializerContext;
