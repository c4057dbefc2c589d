using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pi.Protocol.Messages;

/// <summary>
/// Source-generated JSON metadata for every message (trim- and AOT-safe). Strict on input: members
/// are camelCase, required constructor parameters must be present, nulls are refused where the C#
/// type is not nullable, duplicate members are refused, and nesting is limited to 16 levels.
/// Unknown members are skipped so that newer senders stay readable.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowOutOfOrderMetadataProperties = true,
    AllowDuplicateProperties = false,
    MaxDepth = 16)]
[JsonSerializable(typeof(SearchDevice))]
[JsonSerializable(typeof(DeviceInfo))]
[JsonSerializable(typeof(GetSsidList))]
[JsonSerializable(typeof(SsidList))]
[JsonSerializable(typeof(WifiCredentials))]
[JsonSerializable(typeof(WifiResult))]
[JsonSerializable(typeof(RegistrationInfo))]
[JsonSerializable(typeof(RegistrationAck))]
[JsonSerializable(typeof(ProvisioningError))]
[JsonSerializable(typeof(SessionMessage))]
[JsonSerializable(typeof(LoginChallengeRequest))]
[JsonSerializable(typeof(LoginChallenge))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(LoginReply))]
[JsonSerializable(typeof(LinkHello))]
[JsonSerializable(typeof(LinkWelcome))]
[JsonSerializable(typeof(BridgeStatus))]
[JsonSerializable(typeof(PairingStatus))]
[JsonSerializable(typeof(RelayItem))]
[JsonSerializable(typeof(SubDeviceInfo))]
[JsonSerializable(typeof(SubDeviceAck))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
