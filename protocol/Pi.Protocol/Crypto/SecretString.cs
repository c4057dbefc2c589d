using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pi.Protocol.Crypto;

/// <summary>
/// A password or other secret text carried in a message. It prints as <c>***</c>, so records
/// that hold one can be logged safely; <see cref="Reveal"/> is the one explicit way to read it.
/// </summary>
[JsonConverter(typeof(SecretStringJsonConverter))]
public sealed class SecretString : IEquatable<SecretString>
{
    private readonly string _value;

    /// <summary>Wraps a secret.</summary>
    public SecretString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>Length in UTF-16 characters (safe to log).</summary>
    public int Length => _value.Length;

    /// <summary>The secret itself. Never log it.</summary>
    public string Reveal() => _value;

    /// <summary>Constant-time comparison of the UTF-8 bytes.</summary>
    public bool Equals(SecretString? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(_value), Encoding.UTF8.GetBytes(other._value));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SecretString);

    /// <inheritdoc />
    public override int GetHashCode() => _value.Length;

    /// <summary>Redacted.</summary>
    public override string ToString() => "***";
}

/// <summary>Reads and writes <see cref="SecretString"/> as a plain JSON string.</summary>
public sealed class SecretStringJsonConverter : JsonConverter<SecretString>
{
    /// <inheritdoc />
    public override SecretString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? new SecretString(reader.GetString()!)
            : throw new JsonException("a secret must be a string");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, SecretString value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.Reveal());
    }
}
