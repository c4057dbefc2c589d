using System.Text;
using System.Text.Json;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Crypto;

public sealed class Symmetric_Key_Tests
{
    private const string Hex = "000102030405060708090A0B0C0D0E0F";
    private const string Base64 = "AAECAwQFBgcICQoLDA0ODw==";

    [Fact]
    public void Holds_exactly_16_bytes()
    {
        var key = new SymmetricKey(Bytes(16, 0));
        Assert.Equal(Bytes(16, 0), key.Bytes.ToArray());
        Assert.Equal(16, SymmetricKey.Size);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(32)]
    public void Any_other_length_is_an_invalid_key(int length) =>
        Throws(ProtocolErrorCode.InvalidKey, () => new SymmetricKey(new byte[length]));

    [Fact]
    public void Copies_the_bytes_it_is_given()
    {
        var bytes = Bytes(16, 0);
        var key = new SymmetricKey(bytes);
        bytes[0] = 0xFF;
        Assert.Equal(0, key.Bytes[0]);
    }

    [Theory]
    [InlineData(Hex)]
    [InlineData("000102030405060708090a0b0c0d0e0f")]
    [InlineData(Base64)]
    [InlineData("  " + Hex + "\n")]
    [InlineData(" " + Base64 + " ")]
    public void Parses_hex_and_base64(string text) =>
        Assert.Equal(new SymmetricKey(Bytes(16, 0)), SymmetricKey.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("000102030405060708090A0B0C0D0E")] // 15 bytes of hex
    [InlineData("000102030405060708090A0B0C0D0E0F10")] // 17 bytes of hex
    [InlineData("000102030405060708090A0B0C0D0E0G")] // not hex, not Base64 of 16 bytes
    [InlineData("AAECAwQFBgcICQoLDA0O")] // Base64 of 15 bytes
    [InlineData("AAECAwQFBgcICQoLDA0ODxA=")] // Base64 of 17 bytes
    [InlineData("AAECAwQFBgcICQoLDA0ODw")] // Base64 without padding
    [InlineData("not a key at all, certainly")]
    public void Parse_refuses_anything_else_without_echoing_it(string text)
    {
        var ex = Throws(ProtocolErrorCode.InvalidKey, () => SymmetricKey.Parse(text));
        if (text.Length > 0)
        {
            Assert.DoesNotContain(text.Trim(), ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ToBase64_is_the_json_form() =>
        Assert.Equal(Base64, SymmetricKey.Parse(Hex).ToBase64());

    [Fact]
    public void ToString_is_redacted()
    {
        var key = SymmetricKey.Parse(Hex);
        var text = key.ToString();
        Assert.Equal("SymmetricKey(***)", text);
        Assert.DoesNotContain(Hex, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Base64, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Hex, $"{key}", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Keys_with_equal_bytes_are_equal()
    {
        var a = SymmetricKey.Parse(Hex);
        var b = SymmetricKey.Parse(Base64);
        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.False(a.Equals(Key(9)));
        Assert.False(a.Equals(null));
        Assert.False(a.Equals("000102030405060708090A0B0C0D0E0F"));
    }

    [Fact]
    public void Generate_makes_distinct_keys()
    {
        var a = SymmetricKey.Generate();
        var b = SymmetricKey.Generate();
        Assert.Equal(16, a.Bytes.Length);
        Assert.NotEqual(a, b);
    }
}

public sealed class Symmetric_Key_Json_Converter_Tests
{
    private static readonly SymmetricKeyJsonConverter Converter = new();

    private static string Write(SymmetricKey key)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Converter.Write(writer, key, JsonSerializerOptions.Default);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static SymmetricKey Read(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        Assert.True(reader.Read());
        return Converter.Read(ref reader, typeof(SymmetricKey), JsonSerializerOptions.Default);
    }

    [Fact]
    public void Writes_the_key_as_a_base64_string() =>
        Assert.Equal("\"AAECAwQFBgcICQoLDA0ODw==\"", Write(new SymmetricKey(Bytes(16, 0))));

    [Fact]
    public void Round_trips()
    {
        var key = Key(0xF0);
        Assert.Equal(key, Read(Write(key)));
    }

    [Theory]
    [InlineData("\"AAECAwQFBgcICQoLDA0O\"")] // 15 bytes
    [InlineData("\"AAECAwQFBgcICQoLDA0ODxA=\"")] // 17 bytes
    [InlineData("\"AAECAwQFBgcICQoLDA0ODw\"")] // 22 characters
    [InlineData("\"AAECAwQFBgcICQoLDA0OD!==\"")] // 24 characters, not Base64
    [InlineData("\"000102030405060708090A0B0C0D0E0F\"")] // hex is not the JSON form
    [InlineData("\"\\u0041AECAwQFBgcICQoLDA0ODw==\"")] // escaped
    [InlineData("16")]
    [InlineData("[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]")]
    [InlineData("null")]
    public void Refuses_anything_but_16_bytes_of_base64(string json) =>
        Assert.Throws<JsonException>(() => Read(json));
}

public sealed class Secret_String_Tests
{
    [Fact]
    public void Prints_as_stars_and_reveals_only_on_request()
    {
        var secret = new SecretString("hunter2-hunter2!");
        Assert.Equal("***", secret.ToString());
        Assert.Equal("***", $"{secret}");
        Assert.Equal("hunter2-hunter2!", secret.Reveal());
        Assert.Equal(16, secret.Length);
    }

    [Fact]
    public void Compares_by_value()
    {
        var a = new SecretString("same secret");
        Assert.Equal(a, new SecretString("same secret"));
        Assert.Equal(a.GetHashCode(), new SecretString("same secret").GetHashCode());
        Assert.NotEqual(a, new SecretString("other secret"));
        Assert.NotEqual(a, new SecretString("same secreT"));
        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object)"same secret"));
    }

    [Fact]
    public void Null_is_not_a_secret() =>
        Assert.Throws<ArgumentNullException>(() => new SecretString(null!));

    [Fact]
    public void The_json_form_is_a_plain_string()
    {
        var converter = new SecretStringJsonConverter();
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            converter.Write(writer, new SecretString("pa\"ss"), JsonSerializerOptions.Default);
        }
        var json = stream.ToArray();
        Assert.Equal("\"pa\\u0022ss\"", Encoding.UTF8.GetString(json));

        var reader = new Utf8JsonReader(json);
        reader.Read();
        Assert.Equal("pa\"ss", converter.Read(ref reader, typeof(SecretString), JsonSerializerOptions.Default).Reveal());

        var ex = Assert.Throws<JsonException>(() =>
        {
            var number = new Utf8JsonReader("12345678"u8);
            number.Read();
            converter.Read(ref number, typeof(SecretString), JsonSerializerOptions.Default);
        });
        Assert.DoesNotContain("12345678", ex.Message, StringComparison.Ordinal);
    }
}
