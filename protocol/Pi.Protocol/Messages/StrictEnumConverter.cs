using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pi.Protocol.Messages;

/// <summary>
/// Reads and writes an enum as exactly one of its wire names (<see cref="JsonStringEnumMemberNameAttribute"/>).
/// <see cref="JsonStringEnumConverter{TEnum}"/> alone also reads numbers, numeric strings, names with
/// surrounding spaces and comma-separated combinations (<c>"wep, wpa-psk"</c> reads as
/// <c>wpa2-psk</c>); the protocol's decoders are strict, so those are refused here.
/// </summary>
/// <typeparam name="TEnum">An enum whose wire names are lower-case ASCII letters, digits, '_' and '-'.</typeparam>
public sealed class StrictEnumConverter<TEnum> : JsonConverterFactory
    where TEnum : struct, Enum
{
    /// <inheritdoc />
    public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(TEnum);

    /// <inheritdoc />
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        var names = (JsonConverter<TEnum>)new JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
            .CreateConverter(typeToConvert, options);
        return new NameConverter(names);
    }

    private sealed class NameConverter(JsonConverter<TEnum> names) : JsonConverter<TEnum>
    {
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String || reader.HasValueSequence || !IsPlainName(reader.ValueSpan))
            {
                throw new JsonException($"a {typeof(TEnum).Name} is written as one of its names");
            }
            return names.Read(ref reader, typeToConvert, options);
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            names.Write(writer, value, options);

        private static bool IsPlainName(ReadOnlySpan<byte> name)
        {
            if (name.IsEmpty)
            {
                return false;
            }
            foreach (var b in name)
            {
                if (b is not ((>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'_' or (byte)'-'))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
