using System.Buffers.Binary;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.Protocol.Tests;

/// <summary>Shared builders and assertions for the unit tests. Everything here is deterministic.</summary>
internal static class TestData
{
    /// <summary>A valid setup code that is easy to check by hand: 17 zeros have check symbol 0.</summary>
    public const string ZeroSetupCode = "000000000000000000";

    /// <summary>A MAC in the protocol's form.</summary>
    public const string Mac = "AA:BB:CC:DD:EE:0F";

    /// <summary><paramref name="length"/> bytes <c>seed, seed+1, ...</c> (wrapping).</summary>
    public static byte[] Bytes(int length, byte seed = 1)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = unchecked((byte)(seed + i));
        }
        return bytes;
    }

    /// <summary>A key whose bytes are <c>seed, seed+1, ...</c>.</summary>
    public static SymmetricKey Key(byte seed) => new(Bytes(SymmetricKey.Size, seed));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A setup code from 17 data symbols plus the check symbol the library computes.</summary>
    public static string WithCheckSymbol(string data) => data + SetupCode.CheckSymbol(data);

    /// <summary>Asserts a <see cref="ProtocolException"/> with <paramref name="code"/>.</summary>
    public static ProtocolException Throws(ProtocolErrorCode code, Action action)
    {
        var ex = Assert.Throws<ProtocolException>(action);
        Assert.Equal(code, ex.Code);
        Assert.StartsWith(ProtocolErrors.Name(code) + ": ", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    /// <summary>Asserts a <see cref="ProtocolException"/> with <paramref name="code"/>.</summary>
    public static ProtocolException Throws(ProtocolErrorCode code, Func<object?> action) =>
        Throws(code, () => { _ = action(); });

    /// <summary>
    /// A provisioning frame built byte by byte (not sealed): header fields as given, the payload region
    /// filled with a fake public key (0x04 then 0x11...), the data region with 0xDD.
    /// <paramref name="payloadBytes"/> and <paramref name="dataBytes"/> default to the announced lengths.
    /// </summary>
    public static byte[] RawFrame(
        byte type = (byte)ProvisioningFrameType.GetSsidList,
        byte flags = 0,
        byte sender = (byte)ProvisioningRole.App,
        ulong sequence = 0,
        ushort payloadLength = 0,
        ushort dataLength = 16,
        byte version = ProvisioningFrame.Version,
        ushort magic = ProvisioningFrame.Magic,
        int? payloadBytes = null,
        int? dataBytes = null,
        byte dataFill = 0xDD)
    {
        var payload = payloadBytes ?? payloadLength;
        var data = dataBytes ?? dataLength;
        var frame = new byte[ProvisioningFrame.HeaderSize + payload + data];
        BinaryPrimitives.WriteUInt16BigEndian(frame, magic);
        frame[2] = version;
        frame[3] = type;
        frame[4] = flags;
        frame[5] = sender;
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(ProvisioningFrame.SequenceOffset), sequence);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), payloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), dataLength);
        if (payload > 0)
        {
            frame[ProvisioningFrame.HeaderSize] = 0x04;
            frame.AsSpan(ProvisioningFrame.HeaderSize + 1, payload - 1).Fill(0x11);
        }
        frame.AsSpan(ProvisioningFrame.HeaderSize + payload).Fill(dataFill);
        return frame;
    }

    /// <summary>The stream form of a frame: 4-byte big-endian length, then the frame.</summary>
    public static byte[] LengthPrefixed(byte[] frame)
    {
        var output = new byte[StreamFrameDecoder.LengthPrefixSize + frame.Length];
        BinaryPrimitives.WriteUInt32BigEndian(output, (uint)frame.Length);
        frame.CopyTo(output, StreamFrameDecoder.LengthPrefixSize);
        return output;
    }

    /// <summary>
    /// An authentic provisioning frame that ignores the channel's sending rules: any sender, type,
    /// flags, payload and nonce channel. Returned without a length prefix.
    /// </summary>
    public static byte[] SealRawFrame(
        SymmetricKey key,
        ProvisioningRole sender,
        ProvisioningFrameType type,
        ReadOnlySpan<byte> plaintext,
        ReadOnlySpan<byte> publicKey = default,
        ProvisioningFrameFlags flags = ProvisioningFrameFlags.None,
        NonceChannel channel = NonceChannel.ProvisioningStream,
        ulong counter = 0)
    {
        var direction = sender == ProvisioningRole.App ? Direction.AppToGateway : Direction.GatewayToApp;
        using var sealer = new AeadSealer(key, Nonce.Prefix(channel, direction), counter);
        var frame = new byte[ProvisioningFrame.HeaderSize + publicKey.Length + plaintext.Length + AeadSealer.TagSize];
        var aadLength = ProvisioningFrame.WriteHeader(frame, type, flags, sender, publicKey, plaintext.Length + AeadSealer.TagSize);
        sealer.Seal(frame, ProvisioningFrame.SequenceOffset, aadLength, plaintext);
        return frame;
    }

    /// <summary>Strips the 4-byte length prefix of a stream frame and parses it.</summary>
    public static ProvisioningFrame ParseStream(byte[] prefixed)
    {
        Assert.Equal((uint)(prefixed.Length - 4), BinaryPrimitives.ReadUInt32BigEndian(prefixed));
        return ProvisioningFrame.Parse(prefixed.AsSpan(StreamFrameDecoder.LengthPrefixSize), ProvisioningFrame.MaxStreamFrameSize);
    }

    /// <summary>Copy of <paramref name="bytes"/> with byte <paramref name="index"/> XORed by <paramref name="mask"/>.</summary>
    public static byte[] Flip(byte[] bytes, int index, byte mask = 0x01)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] ^= mask;
        return copy;
    }
}
