using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Framing;

/// <summary>
/// One side of a provisioning exchange under one key: seals this side's frames and opens the
/// peer's. A datagram channel uses the sliding replay window, a stream channel the strict one.
/// </summary>
/// <remarks>
/// Which frames each side may send (checked on open):
/// datagrams from the APP: searchDevice (with the APP public key);
/// datagrams from the gateway: deviceInfo or error (with the gateway public key);
/// stream frames from the APP: getSsidList, wifiCredentials, registrationInfo or error, the first
/// of them carrying the gateway public key that names the agreekey;
/// stream frames from the gateway: ssidList, wifiResult, registrationAck or error, with no payload.
/// </remarks>
public sealed class ProvisioningChannel : IDisposable
{
    private readonly AeadSealer _sealer;
    private readonly AeadOpener _opener;
    private readonly int _maxFrameSize;
    private readonly Lock _lock = new();
    private bool _peerSentFirstFrame;
    private bool _selfSentFirstFrame;

    /// <summary>Creates the channel for <paramref name="self"/> under <paramref name="key"/>.</summary>
    /// <param name="key">The agreekey (or, for searchDevice, the searchkey).</param>
    /// <param name="self">This side's role.</param>
    /// <param name="transport">Datagrams or the TCP stream.</param>
    /// <param name="openMode">True when this side derived its keys in open mode.</param>
    /// <param name="maxFrameSize">Largest frame accepted and produced.</param>
    public ProvisioningChannel(SymmetricKey key, ProvisioningRole self, ProvisioningTransport transport, bool openMode, int? maxFrameSize = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        Self = self;
        Peer = self == ProvisioningRole.App ? ProvisioningRole.Gateway : ProvisioningRole.App;
        Transport = transport;
        OpenMode = openMode;
        _maxFrameSize = maxFrameSize ?? (transport == ProvisioningTransport.Datagram ? ProvisioningFrame.MaxDatagramSize : ProvisioningFrame.DefaultMaxStreamFrameSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxFrameSize, ProvisioningFrame.MinSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_maxFrameSize, ProvisioningFrame.MaxStreamFrameSize);
        var channel = transport == ProvisioningTransport.Datagram ? NonceChannel.ProvisioningDatagram : NonceChannel.ProvisioningStream;
        _sealer = new AeadSealer(key, Nonce.Prefix(channel, DirectionOf(self)));
        _opener = new AeadOpener(key, Nonce.Prefix(channel, DirectionOf(Peer)), transport == ProvisioningTransport.Datagram ? ReplayMode.Datagram : ReplayMode.Stream);
    }

    /// <summary>This side.</summary>
    public ProvisioningRole Self { get; }

    /// <summary>The other side.</summary>
    public ProvisioningRole Peer { get; }

    /// <summary>Datagrams or stream.</summary>
    public ProvisioningTransport Transport { get; }

    /// <summary>Whether this side is in open mode.</summary>
    public bool OpenMode { get; }

    /// <summary>The highest sequence accepted from the peer, or null when no frame authenticated yet.</summary>
    public ulong? HighestAccepted => _opener.HighestAccepted;

    /// <summary>Whether a frame from the peer has authenticated (after which the APP's stream frames carry no public key).</summary>
    public bool HasReceived
    {
        get
        {
            lock (_lock)
            {
                return _peerSentFirstFrame;
            }
        }
    }

    /// <summary>
    /// Seals a message into a frame ready to send: a datagram, or for the stream the 4-byte length
    /// and the frame. <paramref name="publicKey"/> fills the payload region where the rules above
    /// require it and must be empty elsewhere.
    /// </summary>
    public byte[] Seal(ProvisioningMessage message, ReadOnlySpan<byte> publicKey = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SealPlaintext(message.FrameType, ProtocolJson.Serialize(message), publicKey);
    }

    /// <summary>
    /// Seals raw plaintext under a frame type. For tools and tests that must produce frames a normal
    /// sender would not; parties use <see cref="Seal(ProvisioningMessage, ReadOnlySpan{byte})"/>.
    /// </summary>
    public byte[] SealPlaintext(ProvisioningFrameType type, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> publicKey = default)
    {
        lock (_lock)
        {
            CheckSendable(type, publicKey);
            var flags = OpenMode ? ProvisioningFrameFlags.OpenMode : ProvisioningFrameFlags.None;
            var output = ProvisioningFrame.Encode(_sealer, Transport, type, flags, Self, publicKey, plaintext, _maxFrameSize);
            _selfSentFirstFrame = true;
            return output;
        }
    }

    /// <summary>Authenticates, decrypts and decodes a frame from the peer.</summary>
    /// <exception cref="ProtocolException">
    /// A frame from the wrong side or of the wrong kind, a security-mode mismatch, a replay, a failed
    /// tag, or invalid JSON. Nothing but an authentic frame moves the replay window.
    /// </exception>
    public ProvisioningMessage Open(ProvisioningFrame frame)
    {
        var plaintext = OpenPlaintext(frame);
        return ProtocolJson.DeserializeProvisioning(frame.Type, plaintext);
    }

    /// <summary>Like <see cref="Open"/> but returns the plaintext bytes without decoding them.</summary>
    public byte[] OpenPlaintext(ProvisioningFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_lock)
        {
            CheckReceivable(frame);
            var plaintext = new byte[frame.Ciphertext.Length];
            _opener.Open(frame.AssociatedData, frame.Sequence, frame.Ciphertext, frame.Tag, plaintext);
            _peerSentFirstFrame = true;
            return plaintext;
        }
    }

    /// <summary>Whether <paramref name="sender"/> may send <paramref name="type"/> on <paramref name="transport"/>.</summary>
    public static bool IsAllowed(ProvisioningRole sender, ProvisioningTransport transport, ProvisioningFrameType type) =>
        (sender, transport) switch
        {
            (ProvisioningRole.App, ProvisioningTransport.Datagram) => type is ProvisioningFrameType.SearchDevice,
            (ProvisioningRole.Gateway, ProvisioningTransport.Datagram) => type is ProvisioningFrameType.DeviceInfo or ProvisioningFrameType.Error,
            (ProvisioningRole.App, ProvisioningTransport.Stream) => type is ProvisioningFrameType.GetSsidList or ProvisioningFrameType.WifiCredentials or ProvisioningFrameType.RegistrationInfo or ProvisioningFrameType.SubDeviceInfo or ProvisioningFrameType.Error,
            (ProvisioningRole.Gateway, ProvisioningTransport.Stream) => type is ProvisioningFrameType.SsidList or ProvisioningFrameType.WifiResult or ProvisioningFrameType.RegistrationAck or ProvisioningFrameType.SubDeviceAck or ProvisioningFrameType.Error,
            _ => false,
        };

    private void CheckSendable(ProvisioningFrameType type, ReadOnlySpan<byte> publicKey)
    {
        if (!IsAllowed(Self, Transport, type))
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, $"the {Self} does not send {type} frames as {Transport}");
        }
        if (publicKey.Length != 0 && (publicKey.Length != EphemeralKeyPair.PublicKeySize || publicKey[0] != 0x04))
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidPublicKey, "a public key is 65 bytes starting with 0x04");
        }
        var needsKey = PayloadRequired(Self, _selfSentFirstFrame);
        if (needsKey != (publicKey.Length != 0))
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, needsKey
                ? $"this {Transport} frame of the {Self} must carry a public key"
                : $"this {Transport} frame of the {Self} must not carry a public key");
        }
    }

    private void CheckReceivable(ProvisioningFrame frame)
    {
        if (frame.Sender != Peer)
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, $"expected a frame from the {Peer}, got one from the {frame.Sender}");
        }
        if (!IsAllowed(Peer, Transport, frame.Type))
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, $"the {Peer} does not send {frame.Type} frames as {Transport}");
        }
        if (frame.Flags.HasFlag(ProvisioningFrameFlags.OpenMode) != OpenMode)
        {
            throw new ProtocolException(ProtocolErrorCode.SecurityModeMismatch, OpenMode
                ? "the peer uses a setup code but this side is in open mode"
                : "the peer is in open mode but this side requires a setup code");
        }
        if (PayloadRequired(Peer, _peerSentFirstFrame) != (frame.PayloadLength != 0))
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, "the payload region is present where it must be absent, or missing where it is required");
        }
    }

    private bool PayloadRequired(ProvisioningRole sender, bool senderSentBefore) =>
        Transport == ProvisioningTransport.Datagram || (sender == ProvisioningRole.App && !senderSentBefore);

    private static Direction DirectionOf(ProvisioningRole role) =>
        role == ProvisioningRole.App ? Direction.AppToGateway : Direction.GatewayToApp;

    /// <inheritdoc />
    public void Dispose()
    {
        _sealer.Dispose();
        _opener.Dispose();
    }
}
