using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.App.Walkthrough;

/// <summary>JSON helpers for the walkthrough's printing and its plain HTTPS bodies.</summary>
internal static class Json
{
    public static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    public static string Of(ProvisioningMessage message) => Text(ProtocolJson.Serialize(message));

    public static string Of(SessionMessage message) => Text(ProtocolJson.Serialize(message));

    /// <summary>A login message (loginRequest, loginReply), which has no type member of its own.</summary>
    public static string OfLogin<T>(T message)
        where T : class, IProtocolMessage => Text(ProtocolJson.Serialize(message));

    /// <summary>true/false as JSON spells them.</summary>
    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>The <c>type</c> a session message carries on the wire.</summary>
    public static string TypeOf(SessionMessage message)
    {
        using var document = JsonDocument.Parse(ProtocolJson.Serialize(message));
        return document.RootElement.GetProperty("type").GetString()!;
    }

    public static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>A plain JSON body (for the cloud's HTTPS API, which Pi.Protocol does not model).</summary>
    public static byte[] Body(JsonObject body) => Encoding.UTF8.GetBytes(body.ToJsonString());

    /// <summary>Reads a plain JSON body; a missing member is a protocol error, as the cloud would answer.</summary>
    public static JsonObject Read(byte[] body) =>
        JsonNode.Parse(body) as JsonObject ?? throw new ProtocolException(ProtocolErrorCode.MalformedJson, "the body is not a JSON object");

    public static string Field(JsonObject body, string name) =>
        body[name]?.GetValue<string>() ?? throw new ProtocolException(ProtocolErrorCode.MissingField, $"'{name}' is required");
}
