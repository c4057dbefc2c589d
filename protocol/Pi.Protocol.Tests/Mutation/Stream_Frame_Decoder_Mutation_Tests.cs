using System.Buffers.Binary;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Xunit.Abstractions;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// StreamFrameDecoder.Push over mutated streams of one to three length-prefixed frames, fed in
/// random chunks, against a reference model of the stream form.
/// </summary>
public sealed class Stream_Frame_Decoder_Mutation_Tests(ITestOutputHelper output)
{
    private const int MaxFrame = ProvisioningFrame.DefaultMaxStreamFrameSize;

    /// <summary>The stream bytes and where they are cut into pushes.</summary>
    internal sealed record Chunked(byte[] Bytes, int[] Cuts)
    {
        public override string ToString() => $"{Fuzz.Hex(Bytes)} cut at [{string.Join(",", Cuts)}]";
    }

    [Fact]
    public void Mutated_streams_yield_the_model_frames_then_a_model_error_and_stay_faulted()
    {
        var streams = new List<byte[]>();
        var frames = Samples.Frames;
        for (var i = 0; i < frames.Count; i++)
        {
            streams.Add(Prefixed(frames[i]));
            streams.Add([.. Prefixed(frames[i]), .. Prefixed(frames[(i + 3) % frames.Count])]);
        }
        streams.Add([.. Prefixed(frames[0]), .. Prefixed(frames[4]), .. Prefixed(frames[^1])]);
        var mutator = new ByteMutator(streams, Fields(), hotBytes: 4 + ProvisioningFrame.HeaderSize + 1, maxExtension: 3 * MaxFrame);
        var run = new FuzzRun("StreamFrameDecoder.Push", output);
        var collected = new List<ProvisioningFrame>();
        var faultChecks = 0;
        var decoderFaulted = false;
        var hasPartial = false;

        run.Run(
            Fuzz.Cases,
            (rng, index) =>
            {
                var item = mutator.Next(rng, index);
                return new FuzzCase<Chunked>(new Chunked(item.Input, Cuts(rng, item.Input.Length)), item.Description);
            },
            input =>
            {
                collected.Clear();
                decoderFaulted = false;
                hasPartial = false;
                var decoder = new StreamFrameDecoder(MaxFrame);
                var start = 0;
                try
                {
                    foreach (var cut in input.Cuts.Append(input.Bytes.Length))
                    {
                        collected.AddRange(decoder.Push(input.Bytes.AsSpan(start, cut - start)));
                        start = cut;
                    }
                }
                catch (ProtocolException)
                {
                    decoderFaulted = decoder.IsFaulted;
                    var again = Assert.Throws<ProtocolException>(() => decoder.Push([0x00]));
                    Assert.Equal(ProtocolErrorCode.StreamFaulted, again.Code);
                    faultChecks++;
                    throw;
                }
                hasPartial = decoder.HasPartialFrame;
                return Outcome.Success();
            },
            (item, outcome) => Judge(item.Input.Bytes, outcome, collected, decoderFaulted, hasPartial),
            input => 16_384 + (3L * input.Bytes.Length) + MaxFrame);

        output.WriteLine($"Every failing stream was faulted afterwards ({faultChecks} checks of stream_faulted).");
        run.AssertReached(
            ProtocolErrorCode.FrameTooLarge, ProtocolErrorCode.LengthMismatch, ProtocolErrorCode.Truncated,
            ProtocolErrorCode.BadMagic, ProtocolErrorCode.UnsupportedVersion, ProtocolErrorCode.UnknownFrameType,
            ProtocolErrorCode.ReservedFlags, ProtocolErrorCode.UnexpectedFrame, ProtocolErrorCode.InvalidPublicKey);
        run.AssertReached("ok");
    }

    private static string? Judge(byte[] stream, Outcome outcome, List<ProvisioningFrame> collected, bool faulted, bool hasPartial)
    {
        var (expected, violations, rest) = Model(stream);
        if (collected.Count > expected.Count)
        {
            return $"{collected.Count} frames decoded, the model has {expected.Count}";
        }
        for (var i = 0; i < collected.Count; i++)
        {
            if (!collected[i].Bytes.SequenceEqual(expected[i]))
            {
                return $"frame {i} differs from the model";
            }
        }
        if (outcome.IsSuccess)
        {
            return violations is not null ? $"no error, but the model finds {WireModels.Names(violations)}"
                : collected.Count != expected.Count ? $"{collected.Count} frames decoded, the model has {expected.Count}"
                : hasPartial != (rest > 0) ? $"HasPartialFrame is {hasPartial} with {rest} bytes left over"
                : null;
        }
        return !faulted ? "the decoder is not faulted after an error"
            : violations is null ? "the model finds no error"
            : violations.Contains(outcome.Code!.Value) ? null
            : $"the model finds {WireModels.Names(violations)}";
    }

    /// <summary>The frames of a stream, the violations of the first bad one (or null), and the bytes left over.</summary>
    private static (List<byte[]> Frames, HashSet<ProtocolErrorCode>? Violations, int LeftOver) Model(byte[] stream)
    {
        var frames = new List<byte[]>();
        var position = 0;
        while (stream.Length - position >= 4)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(stream.AsSpan(position));
            if (length > MaxFrame)
            {
                return (frames, [ProtocolErrorCode.FrameTooLarge], 0);
            }
            if (length < ProvisioningFrame.MinSize)
            {
                return (frames, [ProtocolErrorCode.LengthMismatch], 0);
            }
            if (stream.Length - position - 4 < length)
            {
                break;
            }
            var frame = stream.AsSpan(position + 4, (int)length);
            var violations = WireModels.Frame(frame, MaxFrame);
            if (violations.Count > 0)
            {
                return (frames, violations, 0);
            }
            frames.Add(frame.ToArray());
            position += 4 + (int)length;
        }
        return (frames, null, stream.Length - position);
    }

    private static int[] Cuts(Random rng, int length)
    {
        if (length < 2)
        {
            return [];
        }
        if (rng.Next(50) == 0 && length <= 512)
        {
            return [.. Enumerable.Range(1, length - 1)];
        }
        var cuts = new SortedSet<int>();
        var count = rng.Next(4) == 0 ? 0 : rng.Next(1, 8);
        for (var i = 0; i < count; i++)
        {
            cuts.Add(rng.Next(1, length));
        }
        return [.. cuts];
    }

    private static byte[] Prefixed(byte[] frame)
    {
        var bytes = new byte[4 + frame.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)frame.Length);
        frame.CopyTo(bytes, 4);
        return bytes;
    }

    private static int SecondPrefix(byte[] stream) =>
        stream.Length >= 4 ? (int)Math.Min(4 + BinaryPrimitives.ReadUInt32BigEndian(stream), int.MaxValue / 2) : -1;

    private static LengthField[] Fields() =>
    [
        new("first length prefix", _ => 0, 4, MaxFrame),
        new("second length prefix", SecondPrefix, 4, MaxFrame),
        new("payload length", _ => 4 + 14, 2, 65),
        new("data length", _ => 4 + 16, 2, MaxFrame - ProvisioningFrame.HeaderSize),
    ];
}
