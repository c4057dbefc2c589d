namespace Pi.Protocol.Crypto;

/// <summary>
/// The nonce space a counter belongs to. Together with the <see cref="Direction"/> it forms the
/// 4-byte nonce prefix <c>00 00 channel direction</c>, so that two uses of one key (the deviceInfo
/// datagram and the TCP stream under one agreekey, say) can never produce the same nonce.
/// </summary>
public enum NonceChannel : byte
{
    /// <summary>Provisioning frames sent as UDP datagrams.</summary>
    ProvisioningDatagram = 1,
    /// <summary>Provisioning frames sent on the TCP stream.</summary>
    ProvisioningStream = 2,
    /// <summary>Session envelopes (login, session channel, LAN link).</summary>
    Envelope = 3,
}

/// <summary>Builds nonce prefixes and nonces.</summary>
public static class Nonce
{
    /// <summary>Nonce size for AES-GCM: 4-byte prefix and 8-byte big-endian counter.</summary>
    public const int Size = 12;

    /// <summary>The 4-byte sender prefix as a big-endian number: <c>00 00 channel direction</c>.</summary>
    public static uint Prefix(NonceChannel channel, Direction direction) => ((uint)channel << 8) | (byte)direction;

    /// <summary>Writes <c>prefix (4, big-endian) || counter (8, big-endian)</c>.</summary>
    public static void Write(Span<byte> nonce, uint prefix, ulong counter)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(nonce, prefix);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter);
    }
}
