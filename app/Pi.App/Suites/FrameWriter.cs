using System.Buffers.Binary;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.App.Suites;

/// <summary>
/// Seals one provisioning frame with any header an integrator asks for. Parties use
/// <see cref="ProvisioningChannel"/>, which also enforces who may send what and when; a debugging
/// tool must be able to produce a single frame out of sequence (the third frame of an APP's stream,
/// say), which a fresh channel refuses. So this writes the header laid out in
/// <see cref="ProvisioningFrame"/> itself and seals with Pi.Protocol's <see cref="AeadSealer"/>;
/// tests check that a real channel opens what it writes.
/// </summary>
internal static class FrameWriter
{
    public static byte[] Seal(
        ProvisioningFrameType type,
        ProvisioningFrameFlags flags,
        ProvisioningRole sender,
        ProvisioningTransport transport,
        SymmetricKey key,
        ReadOnlySpan<byte> publicKey,
        ReadOnlySpan<byte> plaintext,
        ulong counter)
    {
        if (publicKey.Length is not (0 or EphemeralKeyPair.PublicKeySize))
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidPublicKey, "the payload region holds a 65-byte public key or nothing");
        }
        var dataLength = plaintext.Length + AeadSealer.TagSize;
        var frameLength = ProvisioningFrame.HeaderSize + publicKey.Length + dataLength;
        var limit = transport == ProvisioningTransport.Datagram ? ProvisioningFrame.MaxDatagramSize : ProvisioningFrame.MaxStreamFrameSize;
        if (dataLength > ushort.MaxValue || frameLength > limit)
        {
            throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"a {WireTextName(transport)} frame of {frameLength} bytes exceeds the limit of {limit}");
        }

        var prefix = transport == ProvisioningTransport.Stream ? StreamFrameDecoder.LengthPrefixSize : 0;
        var output = new byte[prefix + frameLength];
        if (prefix > 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(output, (uint)frameLength);
        }
        var frame = output.AsSpan(prefix);
        BinaryPrimitives.WriteUInt16BigEndian(frame, ProvisioningFrame.Magic);
        frame[2] = ProvisioningFrame.Version;
        frame[3] = (byte)type;
        frame[4] = (byte)flags;
        frame[5] = (byte)sender;
        BinaryPrimitives.WriteUInt16BigEndian(frame[14..], (ushort)publicKey.Length);
        BinaryPrimitives.WriteUInt16BigEndian(frame[16..], (ushort)dataLength);
        publicKey.CopyTo(frame[ProvisioningFrame.HeaderSize..]);

        var channel = transport == ProvisioningTransport.Datagram ? NonceChannel.ProvisioningDatagram : NonceChannel.ProvisioningStream;
        using var sealer = new AeadSealer(key, Nonce.Prefix(channel, DirectionOf(sender)), counter);
        sealer.Seal(frame, ProvisioningFrame.SequenceOffset, ProvisioningFrame.HeaderSize + publicKey.Length, plaintext);
        return output;
    }

    /// <summary>The direction whose nonce prefix a sender uses.</summary>
    public static Direction DirectionOf(ProvisioningRole sender) =>
        sender == ProvisioningRole.App ? Direction.AppToGateway : Direction.GatewayToApp;

    private static string WireTextName(ProvisioningTransport transport) => Io.WireText.Name(transport);
}
