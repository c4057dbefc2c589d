using System.Buffers.Binary;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Xunit.Abstractions;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>ProvisioningFrame.Parse against the reference model of the frame layout.</summary>
public sealed class Provisioning_Frame_Parse_Mutation_Tests(ITestOutputHelper output)
{
    private const int MaxFrame = ProvisioningFrame.MaxDatagramSize;

    internal static LengthField[] Fields(int maxFrame) =>
    [
        new("payload length", _ => 14, 2, 65),
        new("data length", _ => 16, 2, (ulong)(maxFrame - ProvisioningFrame.HeaderSize)),
    ];

    [Fact]
    public void Mutated_frames_parse_exactly_when_the_model_says_they_are_valid()
    {
        var mutator = new ByteMutator(Samples.Frames, Fields(MaxFrame), hotBytes: ProvisioningFrame.HeaderSize + 1, maxExtension: 2 * MaxFrame);
        var run = new FuzzRun("ProvisioningFrame.Parse", output);

        run.Run(
            Fuzz.Cases,
            mutator.Next,
            bytes =>
            {
                var frame = ProvisioningFrame.Parse(bytes, MaxFrame);
                return Outcome.Success(CheckFields(frame, bytes));
            },
            (item, outcome) => Judge(item.Input, outcome, MaxFrame),
            bytes => 16_384 + (2L * bytes.Length));

        run.AssertReached(
            ProtocolErrorCode.FrameTooLarge, ProtocolErrorCode.Truncated, ProtocolErrorCode.BadMagic,
            ProtocolErrorCode.UnsupportedVersion, ProtocolErrorCode.UnknownFrameType, ProtocolErrorCode.ReservedFlags,
            ProtocolErrorCode.UnexpectedFrame, ProtocolErrorCode.LengthMismatch, ProtocolErrorCode.InvalidPublicKey);
        run.AssertReached("ok");
    }

    /// <summary>Success iff the model finds no violation; otherwise a code the model found.</summary>
    internal static string? Judge(byte[] input, Outcome outcome, int maxFrame)
    {
        var violations = WireModels.Frame(input, maxFrame);
        if (outcome.IsSuccess)
        {
            return violations.Count == 0
                ? (outcome.Label == "ok" ? null : outcome.Label)
                : $"accepted, but the model finds {WireModels.Names(violations)}";
        }
        return violations.Contains(outcome.Code!.Value)
            ? null
            : $"the model finds {WireModels.Names(violations)}";
    }

    /// <summary>"ok" when every parsed field is what the layout says; otherwise which field is wrong.</summary>
    internal static string CheckFields(ProvisioningFrame frame, ReadOnlySpan<byte> bytes)
    {
        var payload = BinaryPrimitives.ReadUInt16BigEndian(bytes[14..]);
        return (byte)frame.Type != bytes[3] ? "type differs from byte 3"
            : (byte)frame.Flags != bytes[4] ? "flags differ from byte 4"
            : (byte)frame.Sender != bytes[5] ? "sender differs from byte 5"
            : frame.Sequence != BinaryPrimitives.ReadUInt64BigEndian(bytes[6..]) ? "sequence differs from bytes 6..14"
            : frame.PayloadLength != payload ? "payload length differs"
            : !frame.PublicKey.SequenceEqual(bytes.Slice(18, payload)) ? "public key differs"
            : !frame.AssociatedData.SequenceEqual(bytes[..(18 + payload)]) ? "associated data differs"
            : !frame.Ciphertext.SequenceEqual(bytes[(18 + payload)..^16]) ? "ciphertext differs"
            : !frame.Tag.SequenceEqual(bytes[^16..]) ? "tag differs"
            : !frame.Bytes.SequenceEqual(bytes) ? "bytes differ"
            : "ok";
    }
}
