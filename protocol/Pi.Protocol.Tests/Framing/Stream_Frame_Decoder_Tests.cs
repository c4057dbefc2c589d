using System.Buffers.Binary;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Framing;

public sealed class Stream_Frame_Decoder_Tests
{
    private static readonly byte[] FrameA = RawFrame(sequence: 1, dataLength: 20, dataFill: 0xA1);
    private static readonly byte[] FrameB = RawFrame(type: 5, sequence: 2, payloadLength: 65, dataLength: 17, dataFill: 0xB2);
    private static readonly byte[] FrameC = RawFrame(type: 7, sequence: 3, dataLength: 16, dataFill: 0xC3);
    private static readonly byte[] Stream = [.. LengthPrefixed(FrameA), .. LengthPrefixed(FrameB), .. LengthPrefixed(FrameC)];

    private static void AssertFrames(IEnumerable<ProvisioningFrame> frames)
    {
        var list = frames.Select(f => f.Bytes.ToArray()).ToList();
        Assert.Equal(3, list.Count);
        Assert.Equal(FrameA, list[0]);
        Assert.Equal(FrameB, list[1]);
        Assert.Equal(FrameC, list[2]);
    }

    [Fact]
    public void Decodes_several_frames_in_one_chunk()
    {
        var decoder = new StreamFrameDecoder();
        AssertFrames(decoder.Push(Stream));
        Assert.False(decoder.HasPartialFrame);
        Assert.False(decoder.IsFaulted);
    }

    [Fact]
    public void Consume_stops_at_the_end_of_the_first_frame()
    {
        var decoder = new StreamFrameDecoder();
        var used = decoder.Consume(Stream, out var frame);
        Assert.Equal(4 + FrameA.Length, used);
        Assert.Equal(FrameA, frame!.Bytes.ToArray());
    }

    [Fact]
    public void Decodes_one_byte_at_a_time()
    {
        var decoder = new StreamFrameDecoder();
        var frames = new List<ProvisioningFrame>();
        for (var i = 0; i < Stream.Length; i++)
        {
            var used = decoder.Consume(Stream.AsSpan(i, 1), out var frame);
            Assert.Equal(1, used);
            if (frame is not null)
            {
                frames.Add(frame);
            }
        }
        AssertFrames(frames);
    }

    [Fact]
    public void Decodes_identically_at_every_two_way_split()
    {
        for (var split = 0; split <= Stream.Length; split++)
        {
            var decoder = new StreamFrameDecoder();
            var frames = new List<ProvisioningFrame>();
            frames.AddRange(decoder.Push(Stream.AsSpan(0, split)));
            frames.AddRange(decoder.Push(Stream.AsSpan(split)));
            AssertFrames(frames);
            Assert.False(decoder.HasPartialFrame);
        }
    }

    [Fact]
    public void An_empty_chunk_yields_nothing()
    {
        var decoder = new StreamFrameDecoder();
        Assert.Empty(decoder.Push([]));
        Assert.Equal(0, decoder.Consume([], out var frame));
        Assert.Null(frame);
    }

    [Fact]
    public void HasPartialFrame_tracks_an_incomplete_length_or_frame()
    {
        var decoder = new StreamFrameDecoder();
        var bytes = LengthPrefixed(FrameA);
        Assert.False(decoder.HasPartialFrame);
        Assert.Empty(decoder.Push(bytes.AsSpan(0, 1)));
        Assert.True(decoder.HasPartialFrame);
        Assert.Empty(decoder.Push(bytes.AsSpan(1, 3)));
        Assert.True(decoder.HasPartialFrame);
        Assert.Empty(decoder.Push(bytes.AsSpan(4, 10)));
        Assert.True(decoder.HasPartialFrame);
        Assert.Single(decoder.Push(bytes.AsSpan(14)));
        Assert.False(decoder.HasPartialFrame);
    }

    [Fact]
    public void A_frame_of_exactly_the_limit_is_accepted()
    {
        var frame = RawFrame(dataLength: 100);
        var decoder = new StreamFrameDecoder(maxFrameSize: frame.Length);
        Assert.Single(decoder.Push(LengthPrefixed(frame)));
    }

    [Theory]
    [InlineData(119u)]
    [InlineData(0x0001_0000u)]
    [InlineData(0x8000_0000u)]
    [InlineData(uint.MaxValue)]
    public void A_length_above_the_limit_is_too_large(uint length)
    {
        var decoder = new StreamFrameDecoder(maxFrameSize: 118);
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, length);
        Throws(ProtocolErrorCode.FrameTooLarge, () => decoder.Push(prefix));
        Assert.True(decoder.IsFaulted);
    }

    [Fact]
    public void A_huge_length_is_refused_without_allocating_for_it()
    {
        var decoder = new StreamFrameDecoder(ProvisioningFrame.MaxStreamFrameSize);
        var prefix = new byte[] { 0x80, 0x00, 0x00, 0x00 }; // 2 GiB
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ProtocolException>(() => decoder.Consume(prefix, out _));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ProtocolErrorCode.FrameTooLarge, ex.Code);
        // The exception and its message only: far less than even the smallest frame buffer the limit allows.
        Assert.True(allocated < 16 * 1024, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(33u)]
    public void A_length_below_the_smallest_frame_is_a_length_mismatch(uint length)
    {
        var decoder = new StreamFrameDecoder();
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, length);
        Throws(ProtocolErrorCode.LengthMismatch, () => decoder.Push(prefix));
        Assert.True(decoder.IsFaulted);
    }

    [Fact]
    public void A_malformed_frame_inside_a_good_length_faults_the_decoder()
    {
        var decoder = new StreamFrameDecoder();
        Throws(ProtocolErrorCode.BadMagic, () => decoder.Push(LengthPrefixed(RawFrame(magic: 0x5045))));
        Assert.True(decoder.IsFaulted);
    }

    [Fact]
    public void After_an_error_every_call_reports_the_stream_faulted()
    {
        var decoder = new StreamFrameDecoder();
        Throws(ProtocolErrorCode.LengthMismatch, () => decoder.Push(new byte[4]));
        Throws(ProtocolErrorCode.StreamFaulted, () => decoder.Push(LengthPrefixed(FrameA)));
        Throws(ProtocolErrorCode.StreamFaulted, () => decoder.Consume([], out _));
        Assert.True(decoder.IsFaulted);
    }

    [Fact]
    public void Frames_before_a_bad_one_in_the_same_chunk_are_lost_with_the_stream()
    {
        // Push decodes the whole chunk; an error anywhere faults the connection.
        var decoder = new StreamFrameDecoder();
        byte[] chunk = [.. LengthPrefixed(FrameA), 0, 0, 0, 1];
        Throws(ProtocolErrorCode.LengthMismatch, () => decoder.Push(chunk));
        Assert.True(decoder.IsFaulted);
    }

    [Theory]
    [InlineData(ProvisioningFrame.MinSize - 1)]
    [InlineData(ProvisioningFrame.MaxStreamFrameSize + 1)]
    public void The_limit_must_lie_between_the_smallest_and_largest_frame(int limit) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamFrameDecoder(limit));
}
