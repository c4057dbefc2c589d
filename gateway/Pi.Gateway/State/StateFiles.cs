using System.Text.Json;
using System.Text.Json.Serialization;
using Pi.Protocol.Crypto;

namespace Pi.Gateway.State;

// The files' shapes, kept apart from the records the rest of the gateway uses so that renaming a
// property never changes a format on disk by accident. Every file carries "version"; this build
// writes and reads version 1. A change that old builds cannot read needs version 2 (and a
// reader for 1); an additive field must still be refused by old builds, because reading is strict.

/// <summary>identity.json: who this gateway is (the label's MAC and setup code).</summary>
internal sealed record IdentityFile(
    int Version,
    string Uuid,
    string Sn,
    string Mac,
    SecretString VerificationCode,
    [property: JsonConverter(typeof(SetupCodeJsonConverter))] SetupCode SetupCode,
    DateTimeOffset CreatedAt);

/// <summary>registration.json: the cloud account and key pair.</summary>
internal sealed record RegistrationFile(
    int Version,
    string Tid,
    SecretString Password,
    SymmetricKey AccessKey,
    SymmetricKey LocalKey,
    uint KeyId,
    DateTimeOffset KeyExpiresAt,
    DateTimeOffset ServiceExpiresAt,
    string CloudUrl,
    DateTimeOffset RegisteredAt,
    PendingKeysFile? PendingKeys = null);

/// <summary>A rotated key pair waiting for its acknowledgement.</summary>
internal sealed record PendingKeysFile(uint KeyId, SymmetricKey AccessKey, SymmetricKey LocalKey, DateTimeOffset KeyExpiresAt);

/// <summary>subdevices.json: every sub-device's keys.</summary>
internal sealed record SubDevicesFile(int Version, IReadOnlyList<SubDeviceFile> SubDevices);

/// <summary>One sub-device.</summary>
internal sealed record SubDeviceFile(string Did, SymmetricKey AccessKey, SymmetricKey LocalKey, uint KeyId, DateTimeOffset KeyExpiresAt, string? Kind = null);

/// <summary>flags.json: small switches that outlive a restart.</summary>
internal sealed record FlagsFile(int Version, bool ResetFlag);

/// <summary>
/// Source-generated (trim- and AOT-safe) JSON for the state files. Strict on input: camelCase
/// members, every required member present, no unknown or duplicate members, no nulls where the
/// type has none, no comments or trailing commas, numbers as numbers, nesting of at most 8.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    MaxDepth = 8)]
[JsonSerializable(typeof(IdentityFile))]
[JsonSerializable(typeof(RegistrationFile))]
[JsonSerializable(typeof(SubDevicesFile))]
[JsonSerializable(typeof(FlagsFile))]
internal sealed partial class StateJsonContext : JsonSerializerContext;

/// <summary>Reads and writes a <see cref="SetupCode"/> as its display form; a bad code's error never repeats it.</summary>
internal sealed class SetupCodeJsonConverter : JsonConverter<SetupCode>
{
    public override SetupCode Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > 64 || reader.HasValueSequence)
        {
            throw new StateValueException("a setup code must be a string of 18 symbols");
        }
        // TryParse's reason never repeats the code.
        return SetupCode.TryParse(reader.GetString(), out var code, out var reason) ? code : throw new StateValueException(reason);
    }

    public override void Write(Utf8JsonWriter writer, SetupCode value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToDisplayString());
    }
}

/// <summary>A converter's error whose message is known to hold no part of the value (so a problem may quote it).</summary>
internal sealed class StateValueException : JsonException
{
    public StateValueException()
    {
    }

    public StateValueException(string message)
        : base(message)
    {
    }

    public StateValueException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
