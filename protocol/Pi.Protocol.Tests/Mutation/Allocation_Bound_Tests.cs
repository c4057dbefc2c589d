using System.Buffers.Binary;
using System.Text;
using Pi.Protocol.Compat;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;
using Xunit.Abstractions;
using static Pi.Protocol.Errors.ProtocolErrorCode;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// Lying length fields and oversized inputs cost a small constant, never an amount sized by the lie:
/// measured with GC.GetAllocatedBytesForCurrentThread after a warm-up, as the least of several runs.
/// The constant is mostly the ProtocolException itself (object, message, stack trace: 0.5 to 1 KiB,
/// see <see cref="The_cost_of_a_protocol_exception_is_the_baseline"/>), so the bounds are 2 KiB.
/// </summary>
public sealed class Allocation_Bound_Tests(ITestOutputHelper output)
{
    private const int KiB = 1024;

    [Fact]
    public void The_cost_of_a_protocol_exception_is_the_baseline()
    {
        var allocated = Measure(Truncated, () => throw new ProtocolException(Truncated, $"a frame is at least {ProvisioningFrame.MinSize} bytes, got {DateTime.UnixEpoch.Second}"));
        Report("throwing and catching one ProtocolException", 0, allocated);
        Assert.True(allocated < 2 * KiB, $"{allocated} bytes");
    }

    [Fact]
    public void A_4_byte_stream_prefix_with_a_lying_length_allocates_the_same_small_amount_whatever_it_announces()
    {
        (uint Announced, ProtocolErrorCode Code)[] lies =
        [
            (0xFFFF_FFFFu, FrameTooLarge), (0x8000_0000u, FrameTooLarge), (0x0001_0000u, FrameTooLarge),
            ((uint)ProvisioningFrame.DefaultMaxStreamFrameSize + 1, FrameTooLarge), (0u, LengthMismatch), ((uint)ProvisioningFrame.MinSize - 1, LengthMismatch),
        ];
        var costs = new List<long>();
        foreach (var (announced, code) in lies)
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, announced);
            var allocated = Measure(code, () => new StreamFrameDecoder().Push(prefix));
            Report($"stream prefix 0x{announced:X8} ({ProtocolErrors.Name(code)})", prefix.Length, allocated);
            Assert.True(allocated < 2 * KiB, $"0x{announced:X8}: {allocated} bytes");
            costs.Add(allocated);
        }
        // Only the digits of the length in the error message differ.
        Assert.True(costs.Max() - costs.Min() < 128, $"allocations range from {costs.Min()} to {costs.Max()} bytes");
    }

    [Fact]
    public void A_stream_prefix_announcing_the_maximum_allocates_one_frame_buffer_and_no_more()
    {
        // The buffer for a frame is allocated when its length arrives, but only after the length
        // was checked against the decoder's limit, so 4 bytes can cost at most maxFrameSize.
        foreach (var max in new[] { ProvisioningFrame.MinSize, 1024, ProvisioningFrame.DefaultMaxStreamFrameSize })
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)max);
            var allocated = MeasureSuccess(() => new StreamFrameDecoder(max).Push(prefix));
            Report($"stream prefix announcing the limit {max}", prefix.Length, allocated);
            Assert.True(allocated < max + KiB, $"{allocated} bytes for a limit of {max}");
        }
    }

    [Theory]
    [InlineData(16, 0xFFFF, Truncated)]
    [InlineData(16, 0x0000, LengthMismatch)]
    [InlineData(14, 0xFFFF, LengthMismatch)]
    [InlineData(14, 0x0041 + 1, LengthMismatch)]
    public void A_minimal_frame_with_a_lying_length_field_allocates_under_2_KiB(int offset, int value, ProtocolErrorCode code)
    {
        var frame = (byte[])Samples.Frames[^2].Clone();
        Assert.Equal(ProvisioningFrame.MinSize, frame.Length);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset), (ushort)value);
        var allocated = Measure(code, () => ProvisioningFrame.Parse(frame));
        Report($"34-byte frame, field at {offset} = 0x{value:X4}", frame.Length, allocated);
        Assert.True(allocated < 2 * KiB, $"{allocated} bytes");
    }

    [Theory]
    [InlineData(0xFF, 0, InvalidId)]
    [InlineData(64, 0, Truncated)]
    [InlineData(0, 0, InvalidId)]
    [InlineData(4, 0xFF, InvalidId)]
    [InlineData(4, 64, Truncated)]
    public void A_40_byte_envelope_whose_id_lengths_lie_allocates_under_2_KiB(byte tidLength, byte didLength, ProtocolErrorCode code)
    {
        var envelope = new byte[40];
        BinaryPrimitives.WriteUInt16BigEndian(envelope, SessionEnvelope.Magic);
        envelope[2] = SessionEnvelope.Version;
        envelope[3] = (byte)Direction.GatewayToCloud;
        envelope.AsSpan(17).Fill((byte)'a');
        envelope[17] = tidLength;
        if (tidLength < 20)
        {
            envelope[18 + tidLength] = didLength;
        }
        using var opener = new EnvelopeOpener(Samples.Key(50), 0, Direction.GatewayToCloud);
        var header = Measure(code, () => SessionEnvelope.ReadHeader(envelope));
        var opened = Measure(code, () => opener.Open(envelope));
        Report($"40-byte envelope, tid length {tidLength}, did length {didLength}: ReadHeader", envelope.Length, header);
        Report($"40-byte envelope, tid length {tidLength}, did length {didLength}: EnvelopeOpener.Open", envelope.Length, opened);
        Assert.True(header < 2 * KiB, $"ReadHeader: {header} bytes");
        Assert.True(opened < 2 * KiB, $"Open: {opened} bytes");
        Assert.Null(opener.HighestAccepted);
    }

    [Fact]
    public void Oversized_inputs_are_refused_before_they_are_copied_or_decoded()
    {
        var big = new byte[4 * 1024 * 1024];
        var envelope = Measure(FrameTooLarge, () => SessionEnvelope.ReadHeader(big));
        var frame = Measure(FrameTooLarge, () => ProvisioningFrame.Parse(big, ProvisioningFrame.MaxStreamFrameSize));
        var login = Measure(FrameTooLarge, () => CloudLogin.OpenRequest(big, Samples.Tid, Samples.Key(51), 1, Samples.Bytes(16, 1)));
        var text = new string('A', 4 * 1024 * 1024);
        var seed = Measure(FrameTooLarge, () => SeedCbc.Decrypt(text, "0123456789abcdef0123456789abcdef"));
        var setupCode = Measure(InvalidSetupCode, () => SetupCode.Parse(text));
        var topic = MeasureSuccess(() => Assert.Null(Pi.Protocol.Topics.Topics.Parse(text)));
        Report("4 MiB envelope: ReadHeader", big.Length, envelope);
        Report("4 MiB frame: Parse", big.Length, frame);
        Report("4 MiB login request: OpenRequest (derives the login key and an AES context)", big.Length, login);
        Report("4 Mi-char seed-cbc text: Decrypt", text.Length, seed);
        Report("4 Mi-char setup code: Parse", text.Length, setupCode);
        Report("4 Mi-char topic: Parse", text.Length, topic);
        Assert.True(envelope < 2 * KiB, $"ReadHeader: {envelope} bytes");
        Assert.True(frame < 2 * KiB, $"Parse: {frame} bytes");
        Assert.True(login < 4 * KiB, $"OpenRequest: {login} bytes");
        Assert.True(seed < 2 * KiB, $"Decrypt: {seed} bytes");
        Assert.True(setupCode < 2 * KiB, $"SetupCode.Parse: {setupCode} bytes");
        Assert.Equal(0, topic);
    }

    [Fact]
    public void Json_decoding_allocates_at_most_a_bounded_multiple_of_its_input()
    {
        var big = new string('a', 64 * KiB);
        string[] inputs =
        [
            "{\"nonce\":\"" + new string('A', 64 * KiB) + "\"}",
            "{\"nonce\":\"" + big + "\"}",
            "{\"joined\":fals\"" + big + "\"}",
            "{\"" + big + "\":1}",
            new string('[', 64 * KiB),
            "{\"nonce\":" + string.Concat(Enumerable.Repeat("{\"a\":", 8 * KiB)),
        ];
        foreach (var json in inputs)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            var allocated = Measure(null, () => ProtocolJson.Deserialize<LinkHello>(bytes));
            Report($"{Fuzz.Show(json, 24)} as LinkHello", bytes.Length, allocated);
            Assert.True(allocated <= JsonFuzz.AllocationLimit(bytes.Length), $"{allocated} bytes for {bytes.Length}");
        }
    }

    /// <summary>The least allocation of five runs of <paramref name="decode"/>, which must throw <paramref name="code"/> (any code when null).</summary>
    private static long Measure(ProtocolErrorCode? code, Action decode)
    {
        var least = long.MaxValue;
        for (var run = 0; run < 8; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<ProtocolException>(decode);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (code is { } expected)
            {
                Assert.Equal(expected, error.Code);
            }
            if (run >= 3)
            {
                least = Math.Min(least, allocated);
            }
        }
        return least;
    }

    private static long Measure<T>(ProtocolErrorCode? code, Func<T> decode) => Measure(code, () => { decode(); });

    private static long MeasureSuccess(Action decode)
    {
        var least = long.MaxValue;
        for (var run = 0; run < 8; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            decode();
            if (run >= 3)
            {
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }
        return least;
    }

    private static long MeasureSuccess<T>(Func<T> decode) => MeasureSuccess(() => { decode(); });

    private void Report(string what, int inputSize, long allocated) =>
        output.WriteLine($"{what}: {inputSize} bytes in, {allocated} bytes allocated");
}
