using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Xunit.Abstractions;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>SessionEnvelope.ReadHeader against the reference model of the envelope layout.</summary>
public sealed class Session_Envelope_Header_Mutation_Tests(ITestOutputHelper output)
{
    internal const uint KeyId = 0x0102_0304;
    internal const Direction Sender = Direction.GatewayToCloud;

    internal static LengthField[] Fields { get; } =
    [
        new("tid length", _ => 17, 1, Identifiers.MaxLength),
        new("did length", bytes => bytes.Length > 17 ? 18 + bytes[17] : -1, 1, Identifiers.MaxLength),
    ];

    /// <summary>
    /// Envelopes sealed with counters 0, 1, 2, ... (index = counter): every legitimate one names
    /// <see cref="Samples.Tid"/>; the last two name another tid or only a did.
    /// </summary>
    internal static List<byte[]> SealedEnvelopes(SymmetricKey key, out int legitimate)
    {
        using var sealer = new EnvelopeSealer(key, KeyId, Sender);
        var envelopes = new List<byte[]>();
        foreach (var message in Samples.Session)
        {
            envelopes.Add(sealer.Seal(message, Samples.Tid));
        }
        int[] sizes = [0, 1, 15, 16, 17, 200, 1500];
        foreach (var size in sizes)
        {
            envelopes.Add(sealer.Seal(Samples.Bytes(size, (byte)size), Samples.Tid, size % 2 == 0 ? Samples.Did : null));
        }
        envelopes.Add(sealer.Seal(Samples.Bytes(8, 1), new string('T', Identifiers.MaxLength), new string('d', Identifiers.MaxLength)));
        legitimate = envelopes.Count - 1;
        envelopes.Add(sealer.Seal(Samples.Bytes(8, 2), null, Samples.Did));
        return envelopes;
    }

    [Fact]
    public void Mutated_envelope_headers_read_exactly_when_the_model_says_they_are_valid()
    {
        var mutator = new ByteMutator(SealedEnvelopes(Samples.Key(20), out _), Fields, hotBytes: 20, maxExtension: SessionEnvelope.DefaultMaxSize + 64);
        var run = new FuzzRun("SessionEnvelope.ReadHeader", output);
        EnvelopeHeader header = default;

        run.Run(
            Fuzz.Cases,
            mutator.Next,
            bytes =>
            {
                header = SessionEnvelope.ReadHeader(bytes);
                return Outcome.Success();
            },
            (item, outcome) =>
            {
                var violations = WireModels.Envelope(item.Input, SessionEnvelope.DefaultMaxSize, out var fields);
                if (!outcome.IsSuccess)
                {
                    return violations.Contains(outcome.Code!.Value) ? null : $"the model finds {WireModels.Names(violations)}";
                }
                return fields is null ? $"accepted, but the model finds {WireModels.Names(violations)}"
                    : header != new EnvelopeHeader((Direction)fields.Direction, fields.KeyId, fields.Counter, fields.Tid, fields.Did) ? $"header {header} differs from the model's {fields}"
                    : null;
            },
            _ => 16_384);

        run.AssertReached(
            ProtocolErrorCode.FrameTooLarge, ProtocolErrorCode.Truncated, ProtocolErrorCode.BadMagic,
            ProtocolErrorCode.UnsupportedVersion, ProtocolErrorCode.WrongDirection, ProtocolErrorCode.ReservedFlags,
            ProtocolErrorCode.InvalidId);
        run.AssertReached("ok");
    }
}
