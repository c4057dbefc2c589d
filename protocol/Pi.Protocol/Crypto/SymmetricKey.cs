using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Crypto;

/// <summary>
/// A 128-bit AES key (agreekey, accesskey, localkey, sessionkey or a key derived from one).
/// It never prints its bytes: <see cref="ToString"/> is redacted, and the bytes are reached only
/// through <see cref="Bytes"/> or <see cref="ToBase64"/>, so a key cannot slip into a log by accident.
/// </summary>
[JsonConverter(typeof(SymmetricKeyJsonConverter))]
public sealed class SymmetricKey : IEquatable<SymmetricKey>
{
    /// <summary>Key size in bytes.</summary>
    public const int Size = 16;

    private readonly byte[] _bytes;

    /// <summary>Copies 16 bytes of key material.</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolErrorCode.InvalidKey"/> for any other length.</exception>
    public SymmetricKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidKey, $"a key is {Size} bytes, not {bytes.Length}");
        }
        _bytes = bytes.ToArray();
    }

    /// <summary>The key material. Handle with care.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>A fresh key from the system's cryptographic random generator.</summary>
    public static SymmetricKey Generate()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        var key = new SymmetricKey(bytes);
        CryptographicOperations.ZeroMemory(bytes);
        return key;
    }

    /// <summary>Parses a key written as 32 hex digits or as Base64 (24 characters).</summary>
    /// <exception cref="ProtocolException"><see cref="ProtocolErrorCode.InvalidKey"/> if the text is neither.</exception>
    public static SymmetricKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        Span<byte> buffer = stackalloc byte[Size];
        if (trimmed.Length == Size * 2 && Convert.FromHexString(trimmed, buffer, out _, out var written) == System.Buffers.OperationStatus.Done && written == Size)
        {
            return new SymmetricKey(buffer);
        }
        if (Convert.TryFromBase64String(trimmed, buffer, out written) && written == Size)
        {
            return new SymmetricKey(buffer);
        }
        throw new ProtocolException(ProtocolErrorCode.InvalidKey, $"a key is {Size} bytes written as 32 hex digits or 24 Base64 characters");
    }

    /// <summary>The key as Base64, the form used in JSON messages.</summary>
    public string ToBase64() => Convert.ToBase64String(_bytes);

    /// <summary>Constant-time comparison.</summary>
    public bool Equals(SymmetricKey? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SymmetricKey);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(SHA256.HashData(_bytes));

    /// <summary>Redacted: keys never print.</summary>
    public override string ToString() => "SymmetricKey(***)";
}

/// <summary>Reads and writes <see cref="SymmetricKey"/> as a Base64 string of 16 bytes.</summary>
public sealed class SymmetricKeyJsonConverter : JsonConverter<SymmetricKey>
{
    /// <inheritdoc />
    public override SymmetricKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("a key must be a Base64 string");
        }
        Span<byte> buffer = stackalloc byte[SymmetricKey.Size];
        // The encoded length is bounded before decoding: 16 bytes are exactly 24 Base64 characters.
        if (reader.ValueSpan.Length != 24 || reader.HasValueSequence || !reader.TryGetBytesFromBase64(out var bytes) || bytes.Length != SymmetricKey.Size)
        {
            throw new JsonException("a key must be 16 bytes in Base64");
        }
        bytes.CopyTo(buffer);
        return new SymmetricKey(buffer);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, SymmetricKey value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteBase64StringValue(value.Bytes);
    }
}
