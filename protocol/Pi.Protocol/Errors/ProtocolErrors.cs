using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Pi.Protocol.Errors;

/// <summary>Names of the stable error codes, as they appear on the wire.</summary>
public static class ProtocolErrors
{
    private static readonly FrozenDictionary<ProtocolErrorCode, string> Names = BuildNames();
    private static readonly FrozenDictionary<string, ProtocolErrorCode> Codes =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>The snake_case wire name of a code, for example <c>replayed</c>.</summary>
    public static string Name(ProtocolErrorCode code) =>
        Names.TryGetValue(code, out var name) ? name : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Looks a wire name up; false for names this version does not know.</summary>
    public static bool TryParse(string name, out ProtocolErrorCode code) => Codes.TryGetValue(name, out code);

    /// <summary>Every defined code, in numeric order.</summary>
    public static IReadOnlyList<ProtocolErrorCode> All { get; } = [.. Names.Keys.Order()];

    private static FrozenDictionary<ProtocolErrorCode, string> BuildNames()
    {
        var names = new Dictionary<ProtocolErrorCode, string>();
        foreach (var field in typeof(ProtocolErrorCode).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var attribute = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>();
            names[(ProtocolErrorCode)field.GetValue(null)!] = attribute?.Name ?? field.Name;
        }
        return names.ToFrozenDictionary();
    }
}
