using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Pi.Bench.Smoke;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Bench.Framing;

/// <summary>
/// StreamFrameDecoder reassembling the gateway's side of a provisioning TCP stream (two ssidLists,
/// a wifiResult and a registrationAck: four length-prefixed frames, 1,485 bytes) delivered in
/// reads of <see cref="ChunkSize"/> bytes. The decoder does no cryptography and no JSON, so the
/// baseline is the same framing work with perfectly delimited input: walk the length prefixes of
/// the contiguous buffer and ProvisioningFrame.Parse each frame (which copies it, as the decoder
/// does). The ratio is the price of incremental reassembly.
/// </summary>
[MemoryDiagnoser]
public class StreamDecoderBenchmarks : ISmokeCheck
{
    private readonly StreamFrameDecoder _decoder = new();
    private byte[] _stream = [];
    private int _frameCount;

    /// <summary>Bytes per read: a pathological trickle, the minimum IPv4 TCP segment (536, so frames straddle reads), the whole stream at once.</summary>
    [Params(16, 536, 8192)]
    public int ChunkSize { get; set; }

    /// <summary>Seals the four frames and concatenates them with their length prefixes.</summary>
    [GlobalSetup]
    public void Setup()
    {
        ProvisioningMessage[] messages =
        [
            Fixtures.SsidList(),
            new SsidList(Fixtures.SsidList().Networks.Take(8).ToList()),
            new WifiResult(Joined: true, Ip: "192.168.1.57"),
            new RegistrationAck(Fixtures.Tid),
        ];
        using var gateway = new ProvisioningChannel(Fixtures.AgreeKey(), ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: false);
        _stream = messages.SelectMany(m => gateway.Seal(m)).ToArray();
        _frameCount = messages.Length;
    }

    /// <summary>Length prefixes walked over the contiguous buffer, ProvisioningFrame.Parse per frame.</summary>
    [Benchmark(Baseline = true)]
    public int DelimitedParse()
    {
        var rest = _stream.AsSpan();
        var frames = 0;
        while (!rest.IsEmpty)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(rest);
            var frame = ProvisioningFrame.Parse(rest.Slice(StreamFrameDecoder.LengthPrefixSize, length), ProvisioningFrame.DefaultMaxStreamFrameSize);
            frames += frame.Sequence == (ulong)frames ? 1 : 0;
            rest = rest[(StreamFrameDecoder.LengthPrefixSize + length)..];
        }
        return frames;
    }

    /// <summary>StreamFrameDecoder.Consume in a loop over each read (no list).</summary>
    [Benchmark]
    public int Consume()
    {
        var frames = 0;
        for (var offset = 0; offset < _stream.Length; offset += ChunkSize)
        {
            var chunk = _stream.AsSpan(offset, Math.Min(ChunkSize, _stream.Length - offset));
            while (!chunk.IsEmpty)
            {
                var used = _decoder.Consume(chunk, out var frame);
                chunk = chunk[used..];
                if (frame is not null)
                {
                    frames += frame.Sequence == (ulong)frames ? 1 : 0;
                }
            }
        }
        return frames;
    }

    /// <summary>StreamFrameDecoder.Push per read (returns a list of the frames each read completed).</summary>
    [Benchmark]
    public int Push()
    {
        var frames = 0;
        for (var offset = 0; offset < _stream.Length; offset += ChunkSize)
        {
            var completed = _decoder.Push(_stream.AsSpan(offset, Math.Min(ChunkSize, _stream.Length - offset)));
            // An index loop: foreach over the IReadOnlyList would box an enumerator, which is this
            // benchmark's cost, not the decoder's.
            for (var i = 0; i < completed.Count; i++)
            {
                frames += completed[i].Sequence == (ulong)frames ? 1 : 0;
            }
        }
        return frames;
    }

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result)
    {
        SmokeAssert.Equal(_frameCount, result, $"{benchmark}: frames found in order");
        if (_decoder.HasPartialFrame || _decoder.IsFaulted)
        {
            throw new SmokeFailure($"{benchmark}: the decoder holds a partial frame or is faulted after a whole stream");
        }
    }
}
