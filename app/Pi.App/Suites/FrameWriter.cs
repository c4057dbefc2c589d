using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.App.Suites;

/// <summary>
/// Seals one provisioning frame with any header an integrator asks for. Parties use
/// <see cref="ProvisioningChannel"/>, which also enforces who may send what and when; a debugging
/// tool must be able to produce a single frame out of sequence (the third frame of an APP's stream,
/// say), which a fresh channel refuses. So this seals with <see cref="ProvisioningFrame.Encode"/> and a
/// sealer started at the requested counter; tests check that a real channel opens what it writes.
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
        var channel = transport == ProvisioningTransport.Datagram ? NonceChannel.ProvisioningDatagram : NonceChannel.ProvisioningStream;
        using var sealer = new AeadSealer(key, Nonce.Prefix(channel, DirectionOf(sender)), counter);
        var limit = transport == ProvisioningTransport.Datagram ? ProvisioningFrame.MaxDatagramSize : ProvisioningFrame.MaxStreamFrameSize;
        return ProvisioningFrame.Encode(sealer, transport, type, flags, sender, publicKey, plaintext, limit);
    }

    /// <summary>The direction whose nonce prefix a sender uses.</summary>
    public static Direction DirectionOf(ProvisioningRole sender) =>
        sender == ProvisioningRole.App ? Direction.AppToGateway : Direction.GatewayToApp;

}
