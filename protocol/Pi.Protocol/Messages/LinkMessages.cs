using Pi.Protocol.Crypto;

namespace Pi.Protocol.Messages;

/// <summary>
/// A sub-device starts a LAN link: plain JSON on <c>pi/v2/dev/{did}/hello</c> with a fresh random
/// nonce, after every connect.
/// </summary>
public sealed record LinkHello(byte[] Nonce) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate() => Check.Bytes(Nonce, "nonce", KeyDerivation.NonceSize, KeyDerivation.NonceSize);
}

/// <summary>
/// The gateway's answer on <c>pi/v2/dev/{did}/welcome</c>: its own fresh nonce and the key id it
/// gives the link. Both sides then derive the link key (see <see cref="KeyDerivation.DeriveLinkKey"/>).
/// </summary>
public sealed record LinkWelcome(byte[] Nonce, uint KeyId) : IProtocolMessage
{
    /// <inheritdoc />
    public void Validate() => Check.Bytes(Nonce, "nonce", KeyDerivation.NonceSize, KeyDerivation.NonceSize);
}
