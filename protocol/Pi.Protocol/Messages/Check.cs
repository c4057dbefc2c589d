using System.Globalization;
using System.Net;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Messages;

/// <summary>
/// Field checks shared by the messages' <c>Validate</c> methods. Errors name the field, never its
/// value, so a bad password or key is not echoed into a log.
/// </summary>
internal static class Check
{
    public static T Present<T>(T? value, string field)
        where T : class =>
        value ?? throw new ProtocolException(ProtocolErrorCode.MissingField, $"'{field}' is required");

    public static void Id(string? value, string field)
    {
        Present(value, field);
        if (!Identifiers.IsValid(value.AsSpan()))
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidId, $"'{field}' must be 1 to {Identifiers.MaxLength} characters of [A-Za-z0-9_-]");
        }
    }

    /// <summary>A MAC address as six upper-case hex pairs separated by colons.</summary>
    public static void Mac(string? value, string field)
    {
        Present(value, field);
        var ok = value!.Length == 17;
        for (var i = 0; ok && i < 17; i++)
        {
            ok = i % 3 == 2 ? value[i] == ':' : char.IsAsciiHexDigitUpper(value[i]) || char.IsAsciiDigit(value[i]);
        }
        if (!ok)
        {
            throw Invalid(field, "must be a MAC address written AA:BB:CC:DD:EE:FF (upper-case hex)");
        }
    }

    /// <summary>Text of <paramref name="minBytes"/> to <paramref name="maxBytes"/> UTF-8 bytes without control characters.</summary>
    public static void Text(string? value, string field, int minBytes, int maxBytes)
    {
        Present(value, field);
        TextValue(value!, field, minBytes, maxBytes);
    }

    public static void OptionalText(string? value, string field, int minBytes, int maxBytes)
    {
        if (value is not null)
        {
            TextValue(value, field, minBytes, maxBytes);
        }
    }

    public static void Secret(SecretString? value, string field, int minBytes, int maxBytes)
    {
        Present(value, field);
        TextValue(value!.Reveal(), field, minBytes, maxBytes);
    }

    public static void Range(long value, string field, long min, long max)
    {
        if (value < min || value > max)
        {
            throw Invalid(field, $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    public static void Bytes(byte[]? value, string field, int min, int max)
    {
        Present(value, field);
        if (value!.Length < min || value.Length > max)
        {
            throw Invalid(field, min == max ? $"must be {min} bytes" : $"must be {min} to {max} bytes");
        }
    }

    public static void OptionalBytes(byte[]? value, string field, int min, int max)
    {
        if (value is not null)
        {
            Bytes(value, field, min, max);
        }
    }

    public static void Ip(string? value, string field)
    {
        Present(value, field);
        if (value!.Length > 45 || !IPAddress.TryParse(value, out var address))
        {
            throw Invalid(field, "must be an IPv4 or IPv6 address");
        }
        // IPAddress also reads "1", "127.1", "0x7f.0.0.1" and "010.1.1.1" (as octal) as IPv4. Peers in
        // other languages read those differently or not at all, so IPv4 is four decimal octets only.
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !string.Equals(address.ToString(), value, StringComparison.Ordinal))
        {
            throw Invalid(field, "must be an IPv4 address written as four decimal octets, or an IPv6 address");
        }
    }

    public static void OptionalIp(string? value, string field)
    {
        if (value is not null)
        {
            Ip(value, field);
        }
    }

    public static void Uuid(string? value, string field)
    {
        Present(value, field);
        if (!Guid.TryParseExact(value, "D", out _))
        {
            throw Invalid(field, "must be a UUID written xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
        }
    }

    public static void Hash(string? value, string field)
    {
        Present(value, field);
        if (value!.Length != 64 || !value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw Invalid(field, "must be 64 lower-case hex digits (SHA-256)");
        }
    }

    public static void OptionalHttpUrl(string? value, string field)
    {
        if (value is null)
        {
            return;
        }
        if (value.Length > 256 || !System.Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
        {
            throw Invalid(field, "must be an absolute http or https URL of at most 256 characters");
        }
    }

    public static void OptionalMqttUrl(string? value, string field)
    {
        if (value is null)
        {
            return;
        }
        if (value.Length > 256 || !System.Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "mqtts" && uri.Scheme != "mqtt"))
        {
            throw Invalid(field, "must be an absolute mqtt or mqtts URL of at most 256 characters");
        }
    }

    public static void Defined<TEnum>(TEnum value, string field)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw Invalid(field, "has a value this version does not define");
        }
    }

    public static void Key(SymmetricKey? value, string field) => Present(value, field);

    public static ProtocolException Invalid(string field, string rule) =>
        new(ProtocolErrorCode.InvalidField, $"'{field}' {rule}");

    private static void TextValue(string value, string field, int minBytes, int maxBytes)
    {
        // Bound the work before counting bytes: a UTF-16 char is at most 3 UTF-8 bytes.
        if (value.Length > maxBytes)
        {
            throw Invalid(field, $"must be {minBytes} to {maxBytes} bytes of UTF-8");
        }
        int count;
        try
        {
            count = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw Invalid(field, "is not valid Unicode text");
        }
        if (count < minBytes || count > maxBytes)
        {
            throw Invalid(field, $"must be {minBytes} to {maxBytes} bytes of UTF-8");
        }
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                throw Invalid(field, "must not contain control characters");
            }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
