using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.Crypto.Aead_Sealer_Tests;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Crypto;

public sealed class Aead_Opener_Tests
{
    private static readonly uint Prefix = Nonce.Prefix(NonceChannel.Envelope, Direction.CloudToGateway);

    private static List<byte[]> SealMany(int count, SymmetricKey? key = null, uint? prefix = null)
    {
        using var sealer = new AeadSealer(key ?? Key(1), prefix ?? Prefix);
        return [.. Enumerable.Range(0, count).Select(i => Seal(sealer, Utf8($"message {i}")).Frame)];
    }

    [Fact]
    public void Datagram_mode_opens_frames_in_any_order_within_the_window()
    {
        var frames = SealMany(5);
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        foreach (var i in new[] { 3, 0, 4, 1, 2 })
        {
            Assert.Equal(Utf8($"message {i}"), Open(opener, frames[i]));
        }
        Assert.Equal(4UL, opener.HighestAccepted);
    }

    [Fact]
    public void Stream_mode_rejects_reordering()
    {
        var frames = SealMany(3);
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Stream);
        Open(opener, frames[1]);
        Throws(ProtocolErrorCode.Replayed, () => Open(opener, frames[0]));
        Open(opener, frames[2]);
    }

    [Theory]
    [InlineData(ReplayMode.Datagram)]
    [InlineData(ReplayMode.Stream)]
    public void A_replayed_frame_is_rejected(ReplayMode mode)
    {
        var frames = SealMany(2);
        using var opener = new AeadOpener(Key(1), Prefix, mode);
        Open(opener, frames[0]);
        Open(opener, frames[1]);
        Throws(ProtocolErrorCode.Replayed, () => Open(opener, frames[1]));
        Throws(ProtocolErrorCode.Replayed, () => Open(opener, frames[0]));
    }

    [Fact]
    public void HighestAccepted_is_null_until_a_frame_opens()
    {
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        Assert.Null(opener.HighestAccepted);
    }

    public static TheoryData<string, int> Tampered_bytes => new()
    {
        { "header byte (associated data)", 0 },
        { "counter in the header", 11 },
        { "first ciphertext byte", 16 },
        { "last ciphertext byte", 16 + 8 },
        { "first tag byte", 16 + 9 },
        { "last tag byte", 16 + 9 + 15 },
    };

    [Theory]
    [MemberData(nameof(Tampered_bytes))]
    public void A_tampered_frame_fails_and_does_not_move_the_window(string what, int index)
    {
        var frames = SealMany(6); // "message 5" is 9 bytes: ciphertext at 16..24, tag at 25..40
        foreach (var mode in new[] { ReplayMode.Datagram, ReplayMode.Stream })
        {
            using var opener = new AeadOpener(Key(1), Prefix, mode);
            var ex = Throws(ProtocolErrorCode.AuthenticationFailed, () => Open(opener, Flip(frames[5], index)));
            Assert.True(ex.Code == ProtocolErrorCode.AuthenticationFailed, what);
            Assert.Null(opener.HighestAccepted);

            // A later legitimate frame with a lower counter still opens, then the untampered one too.
            Assert.Equal(Utf8("message 2"), Open(opener, frames[2]));
            Assert.Equal(Utf8("message 5"), Open(opener, frames[5]));
        }
    }

    [Fact]
    public void A_frame_sealed_under_another_key_fails()
    {
        var frames = SealMany(1, key: Key(2));
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        Throws(ProtocolErrorCode.AuthenticationFailed, () => Open(opener, frames[0]));
        Assert.Null(opener.HighestAccepted);
    }

    [Fact]
    public void A_frame_sealed_with_another_nonce_prefix_fails()
    {
        // The same key in the other direction: a reflected frame.
        var frames = SealMany(1, prefix: Nonce.Prefix(NonceChannel.Envelope, Direction.GatewayToCloud));
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        Throws(ProtocolErrorCode.AuthenticationFailed, () => Open(opener, frames[0]));
    }

    [Fact]
    public void A_frame_sealed_on_another_nonce_channel_fails()
    {
        var frames = SealMany(1, prefix: Nonce.Prefix(NonceChannel.ProvisioningDatagram, Direction.CloudToGateway));
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        Throws(ProtocolErrorCode.AuthenticationFailed, () => Open(opener, frames[0]));
    }

    [Fact]
    public void A_tag_of_the_wrong_size_is_truncated_input()
    {
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        Throws(ProtocolErrorCode.Truncated, () => opener.Open(new byte[16], 0, new byte[4], new byte[15], new byte[4]));
    }

    [Fact]
    public void A_plaintext_buffer_shorter_than_the_ciphertext_is_refused()
    {
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        Assert.Throws<ArgumentOutOfRangeException>(() => opener.Open(new byte[16], 0, new byte[4], new byte[16], new byte[3]));
    }

    [Fact]
    public void Concurrent_opens_of_the_same_frames_accept_each_counter_once()
    {
        var frames = SealMany(64);
        using var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        var opened = 0;
        var replayed = 0;
        Parallel.For(0, 128, i =>
        {
            try
            {
                Open(opener, frames[i % 64]);
                Interlocked.Increment(ref opened);
            }
            catch (ProtocolException ex) when (ex.Code == ProtocolErrorCode.Replayed)
            {
                Interlocked.Increment(ref replayed);
            }
        });
        Assert.Equal(64, opened);
        Assert.Equal(64, replayed);
    }

    [Fact]
    public void Refuses_to_open_after_dispose()
    {
        var frames = SealMany(1);
        var opener = new AeadOpener(Key(1), Prefix, ReplayMode.Datagram);
        opener.Dispose();
        opener.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Open(opener, frames[0]));
    }
}
