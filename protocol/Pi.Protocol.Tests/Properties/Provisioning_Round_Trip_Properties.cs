using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;
using Pi.Protocol.Tests.Mutation;

namespace Pi.Protocol.Tests.Properties;

/// <summary>
/// Provisioning channels: whatever one side seals under an allowed frame type, the other opens; and
/// the stream decoder yields the same frames for any chunking of the stream.
/// </summary>
public sealed class Provisioning_Round_Trip_Properties
{
    private static readonly ProvisioningFrameType[] Types = Enum.GetValues<ProvisioningFrameType>();

    /// <summary>Frames one side sends: the sender, the transport, the mode and (type, plaintext) per frame.</summary>
    public sealed record Exchange(SymmetricKey Key, ProvisioningRole Sender, ProvisioningTransport Transport, bool OpenMode, (ProvisioningFrameType Type, byte[] Plaintext)[] Frames)
    {
        public override string ToString() =>
            $"{Sender} {Transport} open mode {OpenMode}: {string.Join(", ", Frames.Select(f => $"{f.Type} ({f.Plaintext.Length} bytes)"))}";
    }

    internal static Gen<Exchange> Exchanges { get; } =
        from key in Generators.Key
        from sender in Generators.Enum<ProvisioningRole>()
        from transport in Generators.Enum<ProvisioningTransport>()
        from openMode in Gen.Elements(false, true)
        let allowed = Types.Where(type => ProvisioningChannel.IsAllowed(sender, transport, type)).ToArray()
        let room = transport == ProvisioningTransport.Datagram
            ? ProvisioningFrame.MaxDatagramSize - ProvisioningFrame.HeaderSize - EphemeralKeyPair.PublicKeySize - 16
            : 4096
        from count in Gen.Choose(1, 5)
        from frames in Gen.ArrayOf(Gen.Zip(Gen.Elements(allowed), Generators.Bytes(0, room)), count)
        select new Exchange(key, sender, transport, openMode, frames);

    [PiProperty(MaxTest = 300)]
    public Property Every_allowed_frame_type_opens_to_the_sealed_plaintext() =>
        Prop.ForAll(Exchanges.ToArbitrary(), exchange =>
        {
            var (sending, receiving) = Channels(exchange);
            using var _ = sending;
            using var __ = receiving;
            var wire = Seal(sending, exchange);
            var frames = exchange.Transport == ProvisioningTransport.Datagram
                ? [.. wire.Select(datagram => ProvisioningFrame.Parse(datagram))]
                : new StreamFrameDecoder().Push([.. wire.SelectMany(bytes => bytes)]);
            Assert.Equal(exchange.Frames.Length, frames.Count);
            for (var i = 0; i < frames.Count; i++)
            {
                Assert.Equal(exchange.Frames[i].Type, frames[i].Type);
                Assert.Equal((ulong)i, frames[i].Sequence);
                Assert.Equal(exchange.Frames[i].Plaintext, receiving.OpenPlaintext(frames[i]));
            }
        });

    [PiProperty(MaxTest = 300)]
    public Property The_stream_decoder_yields_the_same_frames_for_any_chunking() =>
        Prop.ForAll(
            Exchanges.Where(e => e.Transport == ProvisioningTransport.Stream)
                .SelectMany(e => Gen.ListOf(Gen.Choose(0, 1 << 20)).Select(cuts => (e, cuts.ToArray())))
                .ToArbitrary(),
            input =>
            {
                var (exchange, cutSeeds) = input;
                var (sending, receiving) = Channels(exchange);
                using var _ = sending;
                using var __ = receiving;
                var stream = Seal(sending, exchange).SelectMany(bytes => bytes).ToArray();
                var whole = new StreamFrameDecoder().Push(stream);
                var cuts = cutSeeds.Select(seed => seed % (stream.Length + 1)).Append(0).Append(stream.Length).Distinct().Order().ToArray();
                var decoder = new StreamFrameDecoder();
                var chunked = new List<ProvisioningFrame>();
                for (var i = 1; i < cuts.Length; i++)
                {
                    chunked.AddRange(decoder.Push(stream.AsSpan(cuts[i - 1], cuts[i] - cuts[i - 1])));
                }
                Assert.False(decoder.HasPartialFrame);
                Assert.Equal(whole.Count, chunked.Count);
                for (var i = 0; i < whole.Count; i++)
                {
                    Assert.Equal(whole[i].Bytes.ToArray(), chunked[i].Bytes.ToArray());
                }
            });

    [PiProperty(MaxTest = 100)]
    public Property The_stream_decoder_yields_the_same_frames_one_byte_at_a_time() =>
        Prop.ForAll(Exchanges.Where(e => e.Transport == ProvisioningTransport.Stream).ToArbitrary(), exchange =>
        {
            var (sending, receiving) = Channels(exchange);
            using var _ = sending;
            using var __ = receiving;
            var stream = Seal(sending, exchange).SelectMany(bytes => bytes).ToArray();
            var decoder = new StreamFrameDecoder();
            var frames = new List<ProvisioningFrame>();
            foreach (var b in stream)
            {
                frames.AddRange(decoder.Push([b]));
            }
            Assert.Equal(exchange.Frames.Length, frames.Count);
            Assert.Equal(stream, frames.SelectMany(f => Prefix(f.Bytes.Length).Concat(f.Bytes.ToArray())).ToArray());
        });

    private static (ProvisioningChannel Sending, ProvisioningChannel Receiving) Channels(Exchange exchange)
    {
        var receiver = exchange.Sender == ProvisioningRole.App ? ProvisioningRole.Gateway : ProvisioningRole.App;
        return (new ProvisioningChannel(exchange.Key, exchange.Sender, exchange.Transport, exchange.OpenMode),
            new ProvisioningChannel(exchange.Key, receiver, exchange.Transport, exchange.OpenMode));
    }

    /// <summary>Seals every frame; the public key goes where the rules require it (every datagram, the APP's first stream frame).</summary>
    private static List<byte[]> Seal(ProvisioningChannel sending, Exchange exchange) =>
        [.. exchange.Frames.Select((frame, i) =>
        {
            var needsKey = exchange.Transport == ProvisioningTransport.Datagram || (exchange.Sender == ProvisioningRole.App && i == 0);
            return sending.SealPlaintext(frame.Type, frame.Plaintext, needsKey ? Samples.PublicKey : default);
        })];

    private static byte[] Prefix(int length) => [(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length];
}
