using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Tests.Properties;

/// <summary>Seal then open gives back the header and plaintext, for any valid ids, key ids, directions and counters.</summary>
public sealed class Envelope_Round_Trip_Properties
{
    /// <summary>One sealed conversation: key, key id, direction, ids, first counter and plaintexts.</summary>
    public sealed record Conversation(SymmetricKey Key, uint KeyId, Direction Direction, string? Tid, string? Did, ulong FirstCounter, bool RequireIds, ReplayMode Mode, byte[][] Plaintexts)
    {
        public override string ToString() =>
            $"key id {KeyId}, {Direction}, tid {Tid ?? "-"}, did {Did ?? "-"}, first counter {FirstCounter}, require ids {RequireIds}, {Mode}, plaintexts of {string.Join("/", Plaintexts.Select(p => p.Length))} bytes";
    }

    internal static Gen<Conversation> Conversations { get; } =
        from key in Generators.Key
        from keyId in Generators.UInt
        from direction in Gen.Elements(Direction.GatewayToCloud, Direction.CloudToGateway, Direction.SubDeviceToGateway, Direction.GatewayToSubDevice)
        from tid in Generators.OptionalId
        from did in tid is null ? Generators.Id.Select(id => (string?)id) : Generators.OptionalId
        from first in Generators.Counter
        from requireIds in Gen.Elements(false, true)
        from mode in Generators.Enum<ReplayMode>()
        from count in Gen.Choose(1, 4)
        from plaintexts in Gen.ArrayOf(Generators.Bytes(0, 4096), count)
        select new Conversation(key, keyId, direction, tid, did, first, requireIds, mode, plaintexts);

    [PiProperty(MaxTest = 300)]
    public Property Sealed_envelopes_open_to_the_same_header_and_plaintext() =>
        Prop.ForAll(Conversations.ToArbitrary(), c =>
        {
            using var sealer = new EnvelopeSealer(c.Key, c.KeyId, c.Direction, c.FirstCounter);
            using var opener = new EnvelopeOpener(c.Key, c.KeyId, c.Direction, c.RequireIds ? c.Tid : null, c.RequireIds ? c.Did : null, c.Mode);
            for (var i = 0; i < c.Plaintexts.Length; i++)
            {
                if (c.FirstCounter + (ulong)i == ulong.MaxValue)
                {
                    // The counter space is exhausted: ulong.MaxValue is never used as a counter.
                    var error = Assert.Throws<ProtocolException>(() => sealer.Seal(c.Plaintexts[i], c.Tid, c.Did));
                    Assert.Equal(ProtocolErrorCode.CounterExhausted, error.Code);
                    Assert.Equal(c.FirstCounter + (ulong)i - 1, opener.HighestAccepted);
                    break;
                }
                var envelope = sealer.Seal(c.Plaintexts[i], c.Tid, c.Did);
                Assert.Equal(SessionEnvelope.GetSealedSize(c.Plaintexts[i].Length, c.Tid, c.Did), envelope.Length);
                var expected = new EnvelopeHeader(c.Direction, c.KeyId, c.FirstCounter + (ulong)i, c.Tid, c.Did);
                Assert.Equal(expected, SessionEnvelope.ReadHeader(envelope));
                var opened = opener.Open(envelope);
                Assert.Equal(expected, opened.Header);
                Assert.Equal(c.Plaintexts[i], opened.Plaintext);
                Assert.Equal(expected.Counter, opener.HighestAccepted);
            }
        });

    [PiProperty(MaxTest = 200)]
    public Property The_span_overload_seals_the_same_bytes_as_the_array_overload() =>
        Prop.ForAll(Conversations.ToArbitrary(), c =>
        {
            using var first = new EnvelopeSealer(c.Key, c.KeyId, c.Direction, c.FirstCounter);
            using var second = new EnvelopeSealer(c.Key, c.KeyId, c.Direction, c.FirstCounter);
            var plaintext = c.Plaintexts[0];
            var destination = new byte[SessionEnvelope.GetSealedSize(plaintext.Length, c.Tid, c.Did) + 7];
            var written = second.Seal(plaintext, c.Tid, c.Did, destination);
            Assert.Equal(first.Seal(plaintext, c.Tid, c.Did), destination[..written]);
        });
}
