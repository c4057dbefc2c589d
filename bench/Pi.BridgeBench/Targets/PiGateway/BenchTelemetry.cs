using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Pi.BridgeBench.Targets.PiGateway;

/// <summary>
/// How the harness's bytes travel on the Pi path: as a sub-device telemetry request whose
/// <c>args</c> is <c>{"b":"&lt;Base64 of the harness bytes&gt;"}</c>. The plaintext is written
/// directly (the same JSON <c>ProtocolJson.Serialize</c> produces for that
/// <c>SessionRequest</c>, checked by a test), so building it costs the sender little.
/// </summary>
internal static class BenchTelemetry
{
    /// <summary>The member of <c>args</c> that carries the harness bytes.</summary>
    public const string Member = "b";

    /// <summary>The sub-device command the cloud records as telemetry.</summary>
    public const string Command = "telemetry";

    /// <summary>
    /// <c>{"type":"request","txn":"b&lt;txn&gt;","command":"telemetry","args":{"b":"…"}}</c> into
    /// <paramref name="writer"/> (which the caller resets and reuses).
    /// </summary>
    public static void WritePlaintext(Utf8JsonWriter writer, long txn, ReadOnlySpan<byte> harnessBytes)
    {
        Span<char> txnText = stackalloc char[24];
        txnText[0] = 'b';
        txn.TryFormat(txnText[1..], out var digits, provider: CultureInfo.InvariantCulture);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "request"u8);
        writer.WriteString("txn"u8, txnText[..(1 + digits)]);
        writer.WriteString("command"u8, "telemetry"u8);
        writer.WriteStartObject("args"u8);
        writer.WriteBase64String("b"u8, harnessBytes);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The harness bytes from a delivered telemetry's <c>args</c>; false when they are not there.</summary>
    public static bool TryRead(JsonElement? args, out byte[] harnessBytes)
    {
        harnessBytes = [];
        return args is { ValueKind: JsonValueKind.Object } element
            && element.TryGetProperty(Member, out var b)
            && b.ValueKind == JsonValueKind.String
            && b.TryGetBytesFromBase64(out harnessBytes!);
    }

    /// <summary>Bytes of the plaintext for a payload of <paramref name="payloadSize"/> bytes and a txn of <paramref name="txnDigits"/> digits.</summary>
    public static int PlaintextSize(int payloadSize, int txnDigits)
    {
        var writer = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(writer);
        WritePlaintext(json, (long)Math.Pow(10, txnDigits - 1), new byte[payloadSize]);
        return writer.WrittenCount;
    }
}
