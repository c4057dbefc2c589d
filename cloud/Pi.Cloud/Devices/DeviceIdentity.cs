using System.Security.Cryptography;
using Pi.Cloud.Http;
using Pi.Protocol;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Devices;

/// <summary>Checks and normalizes device identifiers that arrive in API requests, and makes new ones.</summary>
public static class DeviceIdentity
{
    /// <summary>Now, to the millisecond: the store keeps milliseconds, so what the API answers equals what it stored.</summary>
    public static DateTimeOffset Now(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return Truncate(time.GetUtcNow());
    }

    /// <summary>A time truncated to the millisecond.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    /// <summary>A new random tid.</summary>
    public static string NewTid() => "gw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>A new random did.</summary>
    public static string NewDid() => "sd-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>A new random key id (never 0).</summary>
    public static uint NewKeyId()
    {
        uint id;
        do
        {
            id = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
        }
        while (id == 0);
        return id;
    }

    /// <summary>A new random gateway password (32 characters, 192 bits).</summary>
    public static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    /// <summary>A tid or did from a route or body.</summary>
    public static string Id(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new CloudApiException(ProtocolErrorCode.MissingField, $"{field} is required");
        }
        if (!Identifiers.IsValid(value.AsSpan()))
        {
            throw new CloudApiException(ProtocolErrorCode.InvalidId, $"{field} must be 1 to 64 characters of [A-Za-z0-9_-]");
        }
        return value;
    }

    /// <summary>Optional free text (kind, name, product): 1..64 printable characters.</summary>
    public static string? OptionalText(string? value, string field, int max = 64)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Length == 0 || value.Length > max || value.Any(char.IsControl))
        {
            throw new CloudApiException(ProtocolErrorCode.InvalidField, $"{field} must be 1 to {max} printable characters");
        }
        return value;
    }

    /// <summary>Required free text.</summary>
    public static string Text(string? value, string field, int max = 64) =>
        OptionalText(value ?? throw new CloudApiException(ProtocolErrorCode.MissingField, $"{field} is required"), field, max)!;

    /// <summary>A binding hash: 64 lower- or upper-case hex characters.</summary>
    public static string Hash(string? value, string field = "hash")
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new CloudApiException(ProtocolErrorCode.MissingField, $"{field} is required");
        }
        if (value.Length != 64 || !value.All(Uri.IsHexDigit))
        {
            throw new CloudApiException(ProtocolErrorCode.InvalidField, $"{field} must be 64 hex characters");
        }
        return value.ToLowerInvariant();
    }

    /// <summary>A MAC address, normalized to lower-case colon-separated (aa:bb:cc:dd:ee:ff), as factory records are.</summary>
    public static string Mac(string? value, string field = "mac")
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new CloudApiException(ProtocolErrorCode.MissingField, $"{field} is required");
        }
        return FactoryRecordImport.TryNormalizeMac(value, out var mac) && mac is not null
            ? mac
            : throw new CloudApiException(ProtocolErrorCode.InvalidField, $"{field} must be a unicast MAC address like aa:bb:cc:dd:ee:ff");
    }

    /// <summary>A UUID, normalized to lower-case with dashes, as factory records are.</summary>
    public static string Uuid(string? value, string field = "uuid")
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new CloudApiException(ProtocolErrorCode.MissingField, $"{field} is required");
        }
        return FactoryRecordImport.TryNormalizeUuid(value, out var uuid) && uuid is not null
            ? uuid
            : throw new CloudApiException(ProtocolErrorCode.InvalidField, $"{field} must be a UUID");
    }
}
