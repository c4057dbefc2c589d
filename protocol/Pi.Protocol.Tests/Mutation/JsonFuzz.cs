using System.Text;
using Pi.Protocol.Errors;
using static Pi.Protocol.Errors.ProtocolErrorCode;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>A JSON input and the decoder (message type) it is fed to.</summary>
internal sealed record TypedJson(string Decoder, byte[] Json)
{
    public override string ToString() => $"as {Decoder}: {Fuzz.Show(Encoding.UTF8.GetString(Json), 160)} hex {Fuzz.Hex(Json, 48)}";
}

/// <summary>Helpers shared by the JSON mutation tests.</summary>
internal static class JsonFuzz
{
    /// <summary>The codes a message decoder may use for bad content.</summary>
    public static readonly HashSet<ProtocolErrorCode> MessageCodes = [MalformedJson, MissingField, InvalidField, InvalidId];

    /// <summary>
    /// Judges one decode. A failure must carry a message code (or <paramref name="otherAllowed"/>).
    /// A success must be a valid message: it encodes (encoding validates), and the encoding decodes
    /// to a message that encodes to the same bytes.
    /// </summary>
    public static string? Judge(Outcome outcome, Func<byte[]>? encode, Func<byte[], byte[]>? decodeAndEncode, ProtocolErrorCode? otherAllowed = null)
    {
        if (!outcome.IsSuccess)
        {
            return MessageCodes.Contains(outcome.Code!.Value) || outcome.Code == otherAllowed
                ? null
                : "not a message error code";
        }
        byte[] first;
        try
        {
            first = encode!();
        }
        catch (ProtocolException ex)
        {
            return $"the decoded message does not encode again ({ex.Message})";
        }
        var second = decodeAndEncode!(first);
        return first.AsSpan().SequenceEqual(second) ? null : "decode(encode(message)) encodes differently";
    }

    /// <summary>
    /// What one JSON decode may allocate: a constant plus 16 times the input. The runtime's reader
    /// formats the rest of the input into the message of some exceptions (a malformed literal such
    /// as <c>fals"aaaa...</c>), about 10 bytes per input byte; the transports bound the input
    /// (an envelope is at most 64 KiB, a provisioning frame 16 KiB).
    /// </summary>
    public static long AllocationLimit(int inputLength) => 65_536 + (16L * inputLength);

    /// <summary>Splits case numbers round-robin over <paramref name="groups"/> mutators.</summary>
    public static (int Group, int Index) RoundRobin(int index, int groups) => (index % groups, index / groups);
}
