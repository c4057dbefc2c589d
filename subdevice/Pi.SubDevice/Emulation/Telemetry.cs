using System.Security.Cryptography;
using System.Text.Json;
using Pi.Protocol.Messages;

namespace Pi.SubDevice.Emulation;

/// <summary>
/// Telemetry is a <c>request</c> with command <c>telemetry</c> sent up to the gateway: the gateway
/// relays it to the cloud as a notification and does not answer it (docs/protocol.md, sections 9 and
/// 10.1). Its <c>txn</c> only has to be unique among this sender's outstanding requests.
/// </summary>
public static class Telemetry
{
    /// <summary>The command name of a telemetry notification.</summary>
    public const string Command = "telemetry";

    /// <summary>A telemetry request carrying <paramref name="values"/> as its args.</summary>
    public static SessionRequest Create(JsonElement values) => new(NewTxn(), Command, Args: values);

    /// <summary>A fresh transaction id: "u" and 16 random hex digits.</summary>
    public static string NewTxn() => "u" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Parses a small JSON object (built by the emulators) into a detached element.</summary>
    internal static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
