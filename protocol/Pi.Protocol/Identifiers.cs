using Pi.Protocol.Errors;

namespace Pi.Protocol;

/// <summary>
/// Rules for tids (gateway accounts) and dids (sub-device accounts): 1 to 64 characters from
/// <c>[A-Za-z0-9_-]</c>. The same rule makes every id safe inside an MQTT topic level and a URL
/// path segment (no '/', '+', '#', '$', spaces or control characters).
/// </summary>
public static class Identifiers
{
    /// <summary>Maximum length of a tid or did.</summary>
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="id"/> is a valid tid or did.</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxLength)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!IsIdChar(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when the bytes are a valid tid or did in ASCII.</summary>
    public static bool IsValid(ReadOnlySpan<byte> id)
    {
        if (id.IsEmpty || id.Length > MaxLength)
        {
            return false;
        }
        foreach (var b in id)
        {
            if (!IsIdChar((char)b))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Throws <see cref="ProtocolErrorCode.InvalidId"/> unless <paramref name="id"/> is valid.</summary>
    public static void Require(string? id, string field)
    {
        if (id is null || !IsValid(id.AsSpan()))
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidId, $"{field} must be 1 to {MaxLength} characters of [A-Za-z0-9_-]");
        }
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';
}
