using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Crypto;

public sealed class Aead_Sealer_Tests
{
    // A toy header: 4 marker bytes, then the 8-byte counter, then 4 more marker bytes.
    private const int CounterOffset = 4;
    private const int HeaderLength = 16;
    private static readonly uint Prefix = Nonce.Prefix(NonceChannel.Envelope, Direction.GatewayToCloud);

    private static byte[] NewFrame(int plaintextLength)
    {
        var frame = new byte[HeaderLength + plaintextLength + AeadSealer.TagSize];
        frame.AsSpan(0, HeaderLength).Fill(0xAA);
        return frame;
    }

    internal static (byte[] Frame, ulong Counter) Seal(AeadSealer sealer, byte[] plaintext)
    {
        var frame = NewFrame(plaintext.Length);
        var counter = sealer.Seal(frame, CounterOffset, HeaderLength, plaintext);
        return (frame, counter);
    }

    internal static byte[] Open(AeadOpener opener, byte[] frame)
    {
        var counter = BinaryPrimitives.ReadUInt64BigEndian(frame.AsSpan(CounterOffset));
        var ciphertext = frame.AsSpan(HeaderLength, frame.Length - HeaderLength - AeadSealer.TagSize);
        var plaintext = new byte[ciphertext.Length];
        opener.Open(frame.AsSpan(0, HeaderLength), counter, ciphertext, frame.AsSpan(frame.Length - AeadSealer.TagSize), plaintext);
        return plaintext;
    }

    [Fact]
    public void Round_trips_through_an_opener_with_the_same_key_and_prefix()
    {
        using var sealer = new AeadSealer(Key(1), Prefix);
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        var plaintext = Utf8("{\"hello\":\"gateway\"}");
        var (frame, _) = Seal(sealer, plaintext);
        Assert.Equal(plaintext, Open(opener, frame));
    }

    [Fact]
    public void Round_trips_an_empty_plaintext()
    {
        using var sealer = new AeadSealer(Key(1), Prefix);
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Stream);
        var (frame, _) = Seal(sealer, []);
        Assert.Equal(HeaderLength + AeadSealer.TagSize, frame.Length);
        Assert.Empty(Open(opener, frame));
    }

    [Fact]
    public void Writes_the_counter_big_endian_at_the_offset_and_leaves_the_rest_of_the_header()
    {
        using var sealer = new AeadSealer(Key(1), Prefix, firstCounter: 0x0102030405060708);
        var (frame, counter) = Seal(sealer, Utf8("x"));
        Assert.Equal(0x0102030405060708UL, counter);
        Assert.Equal(new byte[] { 0xAA, 0xAA, 0xAA, 0xAA }, frame[..4]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, frame[4..12]);
        Assert.Equal(new byte[] { 0xAA, 0xAA, 0xAA, 0xAA }, frame[12..16]);
    }

    [Fact]
    public void Is_AES_GCM_with_nonce_prefix_then_counter_over_the_header_as_associated_data()
    {
        var plaintext = Utf8("plain text of 25 bytes...");
        using var sealer = new AeadSealer(Key(7), 0x00000304, firstCounter: 0x1122334455667788);
        var (frame, _) = Seal(sealer, plaintext);

        var nonce = Convert.FromHexString("000003041122334455667788");
        var expected = new byte[plaintext.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(Key(7).Bytes, 16);
        aes.Encrypt(nonce, plaintext, expected, tag, frame.AsSpan(0, HeaderLength));
        Assert.Equal(expected, frame[HeaderLength..^16]);
        Assert.Equal(tag, frame[^16..]);
    }

    [Fact]
    public void Counters_start_at_the_first_counter_and_increase_by_one()
    {
        using var sealer = new AeadSealer(Key(1), Prefix, firstCounter: 41);
        Assert.Equal(41UL, sealer.NextCounter);
        Assert.Equal(41UL, Seal(sealer, [1]).Counter);
        Assert.Equal(42UL, Seal(sealer, [1]).Counter);
        Assert.Equal(43UL, sealer.NextCounter);
    }

    [Fact]
    public void Sealing_the_same_plaintext_twice_gives_different_frames()
    {
        using var sealer = new AeadSealer(Key(1), Prefix);
        var a = Seal(sealer, Utf8("same")).Frame;
        var b = Seal(sealer, Utf8("same")).Frame;
        Assert.NotEqual(a[HeaderLength..], b[HeaderLength..]);
    }

    [Fact]
    public void Concurrent_seals_from_many_threads_never_repeat_a_counter()
    {
        const int count = 10_000;
        using var sealer = new AeadSealer(Key(3), Prefix);
        var frames = new ConcurrentBag<(ulong Counter, byte[] Frame)>();
        Parallel.For(0, count, i =>
        {
            var (frame, counter) = Seal(sealer, BitConverter.GetBytes(i));
            Assert.Equal(counter, BinaryPrimitives.ReadUInt64BigEndian(frame.AsSpan(CounterOffset)));
            frames.Add((counter, frame));
        });

        var counters = frames.Select(f => f.Counter).ToHashSet();
        Assert.Equal(count, counters.Count);
        Assert.Equal(0UL, counters.Min());
        Assert.Equal((ulong)count - 1, counters.Max());
        Assert.Equal((ulong)count, sealer.NextCounter);

        // Every frame is authentic under the counter in its header.
        using var opener = new AeadOpener(Key(3), Prefix, ReplayMode.Stream);
        foreach (var (_, frame) in frames.OrderBy(f => f.Counter))
        {
            Open(opener, frame);
        }
    }

    [Fact]
    public void Stops_at_the_reserved_limit_until_it_is_extended()
    {
        using var sealer = new AeadSealer(Key(1), Prefix, firstCounter: 0, counterLimit: 3);
        for (var i = 0; i < 3; i++)
        {
            Seal(sealer, [1]);
        }
        Throws(ProtocolErrorCode.CounterLimitReached, () => Seal(sealer, [1]));
        Throws(ProtocolErrorCode.CounterLimitReached, () => Seal(sealer, [1]));
        Assert.Equal(3UL, sealer.NextCounter);

        sealer.ExtendLimit(5);
        Assert.Equal(5UL, sealer.CounterLimit);
        Assert.Equal(3UL, Seal(sealer, [1]).Counter);
        Assert.Equal(4UL, Seal(sealer, [1]).Counter);
        Throws(ProtocolErrorCode.CounterLimitReached, () => Seal(sealer, [1]));
    }

    [Fact]
    public void ExtendLimit_never_lowers_the_limit()
    {
        using var sealer = new AeadSealer(Key(1), Prefix, firstCounter: 0, counterLimit: 10);
        sealer.ExtendLimit(2);
        Assert.Equal(10UL, sealer.CounterLimit);
    }

    [Fact]
    public void A_sealer_whose_first_counter_is_its_limit_seals_nothing()
    {
        using var sealer = new AeadSealer(Key(1), Prefix, firstCounter: 8, counterLimit: 8);
        Throws(ProtocolErrorCode.CounterLimitReached, () => Seal(sealer, [1]));
    }

    [Fact]
    public void Reports_exhaustion_when_the_last_counter_is_used()
    {
        using var sealer = new AeadSealer(Key(1), Prefix, firstCounter: ulong.MaxValue - 1);
        Assert.Equal(ulong.MaxValue, sealer.CounterLimit);
        Assert.Equal(ulong.MaxValue - 1, Seal(sealer, [1]).Counter);
        Throws(ProtocolErrorCode.CounterExhausted, () => Seal(sealer, [1]));
        Throws(ProtocolErrorCode.CounterExhausted, () => Seal(sealer, [1]));
        Assert.Equal(ulong.MaxValue, sealer.NextCounter);
    }

    [Fact]
    public void A_first_counter_above_the_limit_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AeadSealer(Key(1), Prefix, firstCounter: 5, counterLimit: 4));

    [Fact]
    public void Refuses_a_counter_outside_the_associated_data_or_a_short_frame()
    {
        using var sealer = new AeadSealer(Key(1), Prefix);
        var frame = NewFrame(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => sealer.Seal(frame, 9, HeaderLength, new byte[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => sealer.Seal(frame, -1, HeaderLength, new byte[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => sealer.Seal(frame, CounterOffset, HeaderLength, new byte[5]));
        Assert.Equal(0UL, sealer.NextCounter);
    }

    [Fact]
    public void Refuses_to_seal_after_dispose()
    {
        var sealer = new AeadSealer(Key(1), Prefix);
        sealer.Dispose();
        sealer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Seal(sealer, [1]));
    }
}
