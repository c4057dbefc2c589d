using System.Text.Json;

namespace Pi.Cloud.Http;

// Bodies of the APP API (docs/cloud-api.md). Requests take nullable members so that a missing
// field gets a clear missing_field problem rather than a generic binding failure.

/// <summary>Sign-up or login.</summary>
public sealed record CredentialsRequest(string? Email, string? Password);

/// <summary>A new account.</summary>
public sealed record AccountResponse(long Id, string Email);

/// <summary>A login: the bearer token and this login's binding nonce (Base64).</summary>
public sealed record AppLoginResponse(string Token, string TokenType, DateTimeOffset ExpiresAt, byte[] Nonce);

/// <summary>Register a gateway on its behalf (S101-S103): what the APP learned from deviceInfo.</summary>
public sealed record RegisterGatewayRequest(
    string? Mac,
    string? Uuid,
    string? Sn,
    string? Hash,
    string? VerificationCode = null,
    string? Product = null,
    string? Firmware = null);

/// <summary>What the cloud issued: the registrationInfo the APP hands to the gateway.</summary>
public sealed record RegisterGatewayResponse(
    string Tid,
    string Password,
    string AccessKey,
    string LocalKey,
    uint KeyId,
    DateTimeOffset KeyExpiresAt,
    DateTimeOffset ServiceExpiresAt,
    string? CloudUrl,
    bool Reregistered);

/// <summary>Bind (tid, hash).</summary>
public sealed record BindRequest(string? Hash);

/// <summary>The caller owns the gateway.</summary>
public sealed record BindResponse(string Tid, bool Bound, bool AlreadyOwner);

/// <summary>A warning about a gateway (key pair or service expiring or expired).</summary>
public sealed record GatewayWarning(string Code, DateTimeOffset ExpiresAt, string Message);

/// <summary>
/// A sub-device as the APP sees it. <c>Online</c> and <c>LastSeenAt</c> come from the gateway's
/// bridge (relay availability items and any packet it relayed); false and null until it said anything.
/// </summary>
public sealed record SubDeviceView(
    string Did,
    string? Kind,
    string? Name,
    string State,
    DateTimeOffset RegisteredAt,
    DateTimeOffset? LastTelemetryAt,
    JsonElement? LastTelemetry,
    bool Online = false,
    DateTimeOffset? LastSeenAt = null);

/// <summary>A gateway as the APP sees it.</summary>
public sealed record GatewayView(
    string Tid,
    string Mac,
    string Sn,
    string Uuid,
    bool Online,
    DateTimeOffset? LastSeenAt,
    uint? KeyId,
    DateTimeOffset? KeyExpiresAt,
    DateTimeOffset ServiceExpiresAt,
    bool KeyRotationPending,
    IReadOnlyList<GatewayWarning> Warnings,
    IReadOnlyList<SubDeviceView> SubDevices,
    JsonElement? State,
    long RelayDropped = 0);

/// <summary>Register a sub-device under a gateway.</summary>
public sealed record AddSubDeviceRequest(string? Kind = null, string? Name = null);

/// <summary>What the cloud issued for a sub-device; <c>Delivered</c> says whether the gateway was told already.</summary>
public sealed record AddSubDeviceResponse(string Did, string Tid, string AccessKey, string LocalKey, uint KeyId, DateTimeOffset KeyExpiresAt, bool Delivered);

/// <summary>A sub-device removal; the gateway revokes it when told.</summary>
public sealed record RemoveSubDeviceResponse(string Did, bool Delivered);

/// <summary>A command for a gateway or one of its sub-devices.</summary>
public sealed record CommandRequest(string? Command, string? Did = null, JsonElement? Args = null, int? TimeoutMs = null);

/// <summary>The device's reply.</summary>
public sealed record CommandResponse(string Txn, bool Ok, JsonElement? Result, string? ErrorCode, string? ErrorMessage);

/// <summary>A key rotation in progress.</summary>
public sealed record KeyRotationResponse(string Tid, uint KeyId, DateTimeOffset KeyExpiresAt, bool Delivered);

/// <summary>A gateway asks for a login challenge.</summary>
public sealed record ChallengeRequest(string? Tid);
