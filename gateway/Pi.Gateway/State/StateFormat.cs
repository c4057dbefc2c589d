using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace Pi.Gateway.State;

/// <summary>
/// Turns a state file's bytes into a value or a problem: the <c>version</c> first, then strict JSON,
/// then the record's rules. A problem names where and what, never the file's content: JSON errors
/// are described by position and by member names this format knows (an unknown name shows as
/// <c>?</c>), not by System.Text.Json's message, which can quote the bytes it choked on.
/// </summary>
internal static partial class StateFormat
{
    /// <summary>The version this build writes and reads.</summary>
    public const int Version = 1;

    private static readonly Lazy<HashSet<string>> KnownNames = new(() =>
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        JsonTypeInfo[] infos =
        [
            StateJsonContext.Default.IdentityFile, StateJsonContext.Default.RegistrationFile, StateJsonContext.Default.PendingKeysFile,
            StateJsonContext.Default.SubDevicesFile, StateJsonContext.Default.SubDeviceFile, StateJsonContext.Default.FlagsFile,
        ];
        foreach (var info in infos)
        {
            foreach (var property in info.Properties)
            {
                names.Add(property.Name);
            }
        }
        return names;
    });

    /// <summary>The value in <paramref name="bytes"/>, or null with <paramref name="problem"/> set.</summary>
    public static TValue? Parse<TFile, TValue>(ReadOnlySpan<byte> bytes, JsonTypeInfo<TFile> info, Func<TFile, TValue> toValue, Func<TValue, string?> check, out string? problem)
        where TValue : class
    {
        if (bytes.IsEmpty)
        {
            problem = "the file is empty";
            return null;
        }
        try
        {
            problem = CheckVersion(bytes);
            if (problem is not null)
            {
                return null;
            }
            var file = JsonSerializer.Deserialize(bytes, info);
            if (file is null)
            {
                problem = "the file holds null instead of an object";
                return null;
            }
            var value = toValue(file);
            problem = check(value);
            return problem is null ? value : null;
        }
        catch (JsonException ex)
        {
            problem = EndsEarly(bytes)
                ? $"the file ends in the middle of its JSON, after {bytes.Length} bytes (a half-written file?)"
                : Describe(ex);
            return null;
        }
        catch (Exception ex) when (ex is Pi.Protocol.Errors.ProtocolException or ArgumentException)
        {
            // A value the converters accepted but a record refused; its message may not be ours.
            problem = "a member holds a value of the wrong form";
            return null;
        }
    }

    /// <summary>True when the bytes are the start of a JSON document that stops before its end.</summary>
    private static bool EndsEarly(ReadOnlySpan<byte> bytes)
    {
        // Not the final block: at the end of the input the reader asks for more instead of failing.
        var reader = new Utf8JsonReader(bytes, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 }));
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return false;
        }
        // Complete: the last token closed the top level (a StartObject's own depth is 0 as well).
        var complete = reader.CurrentDepth == 0 && reader.TokenType is not (JsonTokenType.None or JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.PropertyName);
        return !complete || reader.BytesConsumed < bytes.TrimEnd(" \t\r\n"u8).Length;
    }

    /// <summary>Null when the top-level object's <c>version</c> is <see cref="Version"/>.</summary>
    private static string? CheckVersion(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 8 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return "the file is not a JSON object";
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("version"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var version))
                {
                    return "'version' must be a whole number";
                }
                return version == Version
                    ? null
                    : $"the file is format version {version}; this build reads version {Version} (was it written by a newer build?)";
            }
            reader.Read();
            reader.Skip();
        }
        return "the file has no 'version'";
    }

    // The messages of Pi.Protocol's converters (SecretString, SymmetricKey): fixed texts, no value.
    private static readonly HashSet<string> SafeConverterMessages = new(StringComparer.Ordinal)
    {
        "a secret must be a string",
        "a key must be a Base64 string",
        "a key must be 16 bytes in Base64",
    };

    private static string Describe(JsonException ex)
    {
        var where = ex.LineNumber is { } line
            ? $" at line {line + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}"
            : string.Empty;
        var path = SafePath(ex.Path);
        var member = path is null or "$" ? string.Empty : $" (member {path})";
        // The names in this message come from the format's own metadata, not from the file.
        var missing = ex.Message.Contains("missing required properties", StringComparison.Ordinal)
            ? string.Join(", ", MissingName().Matches(ex.Message).Select(m => m.Groups[1].Value).Where(KnownNames.Value.Contains))
            : null;
        if (missing is not null)
        {
            return $"a required member is missing{(missing.Length > 0 ? $": {missing}" : string.Empty)}{member}";
        }
        return ex is StateValueException || SafeConverterMessages.Contains(ex.Message)
            ? $"{ex.Message}{where}{member}"
            : $"invalid JSON or a member of the wrong type or form{where}{member}";
    }

    /// <summary>The JSON path with every member name this format does not know replaced by '?'.</summary>
    internal static string? SafePath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '$')
        {
            return null;
        }
        var safe = new System.Text.StringBuilder("$");
        var at = 1;
        foreach (Match segment in PathSegment().Matches(path, 1))
        {
            if (segment.Index != at)
            {
                break;
            }
            at += segment.Length;
            if (segment.Groups["index"].Success)
            {
                safe.Append('[').Append(segment.Groups["index"].Value).Append(']');
            }
            else
            {
                var name = segment.Groups["name"].Success ? segment.Groups["name"].Value : null;
                safe.Append('.').Append(name is not null && KnownNames.Value.Contains(name) ? name : "?");
            }
        }
        if (at != path.Length)
        {
            safe.Append(".?");
        }
        return safe.ToString();
    }

    [GeneratedRegex(@"\.(?<name>[A-Za-z0-9_]+)|\[(?<index>[0-9]{1,9})\]|\['(?:[^']|'')*'\]", RegexOptions.CultureInvariant)]
    private static partial Regex PathSegment();

    [GeneratedRegex("'([A-Za-z0-9_]+)'", RegexOptions.CultureInvariant)]
    private static partial Regex MissingName();
}
