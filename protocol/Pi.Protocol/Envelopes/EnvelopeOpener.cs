using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Envelopes;

/// <summary>An opened envelope: its authenticated header and the plaintext.</summary>
public sealed record OpenedEnvelope(EnvelopeHeader Header, byte[] Plaintext);

/// <summary>
/// Opens envelopes from one sender under one key. It checks, in order: structure and size, the
/// direction, the key id, the tid and did it was bound to, the replay window, and the tag. A
/// failure at any step leaves the window where it was. Thread-safe.
/// </summary>
public sealed class EnvelopeOpener : IDisposable
{
    private readonly AeadOpener _opener;
    private readonly int _maxSize;

    /// <summary>Creates an opener.</summary>
    /// <param name="key">The channel key.</param>
    /// <param name="keyId">The id the sender writes with that key.</param>
    /// <param name="direction">The sender's direction.</param>
    /// <param name="tid">When set, the tid every envelope must name; when null, any or none.</param>
    /// <param name="did">When set, the did every envelope must name; when null, any or none.</param>
    /// <param name="mode">Sliding window (MQTT, default) or strictly increasing (ordered streams).</param>
    /// <param name="maxSize">Largest envelope accepted.</param>
    public EnvelopeOpener(SymmetricKey key, uint keyId, Direction direction, string? tid = null, string? did = null, ReplayMode mode = ReplayMode.Datagram, int maxSize = SessionEnvelope.DefaultMaxSize)
    {
        if (direction < Direction.GatewayToCloud || !Directions.IsDefined((byte)direction))
        {
            throw new ArgumentOutOfRangeException(nameof(direction), "envelopes travel gateway<->cloud or sub-device<->gateway");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, SessionEnvelope.MinSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSize, SessionEnvelope.MaxAllowedSize);
        if (tid is not null)
        {
            Identifiers.Require(tid, "tid");
        }
        if (did is not null)
        {
            Identifiers.Require(did, "did");
        }
        _opener = new AeadOpener(key, Nonce.Prefix(NonceChannel.Envelope, direction), mode);
        _maxSize = maxSize;
        KeyId = keyId;
        Direction = direction;
        Tid = tid;
        Did = did;
    }

    /// <summary>The key id accepted.</summary>
    public uint KeyId { get; }

    /// <summary>The direction accepted.</summary>
    public Direction Direction { get; }

    /// <summary>The tid required, if any.</summary>
    public string? Tid { get; }

    /// <summary>The did required, if any.</summary>
    public string? Did { get; }

    /// <summary>The highest counter accepted so far, or null.</summary>
    public ulong? HighestAccepted => _opener.HighestAccepted;

    /// <summary>Opens one envelope.</summary>
    /// <exception cref="ProtocolException">Any malformed, misdirected, misaddressed, replayed or unauthentic envelope.</exception>
    public OpenedEnvelope Open(ReadOnlySpan<byte> envelope)
    {
        var header = SessionEnvelope.Parse(envelope, _maxSize, out var headerLength);
        if (header.Direction != Direction)
        {
            throw new ProtocolException(ProtocolErrorCode.WrongDirection, $"expected direction {Direction}, got {header.Direction}");
        }
        if (header.KeyId != KeyId)
        {
            throw new ProtocolException(ProtocolErrorCode.KeyIdMismatch, $"sealed under key id {header.KeyId}, this receiver holds key id {KeyId}");
        }
        if (Tid is not null && !string.Equals(header.Tid, Tid, StringComparison.Ordinal))
        {
            throw new ProtocolException(ProtocolErrorCode.IdMismatch, "the envelope names another tid");
        }
        if (Did is not null && !string.Equals(header.Did, Did, StringComparison.Ordinal))
        {
            throw new ProtocolException(ProtocolErrorCode.IdMismatch, "the envelope names another did");
        }
        var sealedPart = envelope[headerLength..];
        var ciphertext = sealedPart[..^AeadSealer.TagSize];
        var plaintext = new byte[ciphertext.Length];
        _opener.Open(envelope[..headerLength], header.Counter, ciphertext, sealedPart[^AeadSealer.TagSize..], plaintext);
        return new OpenedEnvelope(header, plaintext);
    }

    /// <summary>Opens one envelope and decodes the session message inside.</summary>
    public (EnvelopeHeader Header, SessionMessage Message) OpenMessage(ReadOnlySpan<byte> envelope)
    {
        var opened = Open(envelope);
        return (opened.Header, ProtocolJson.DeserializeSession(opened.Plaintext));
    }

    /// <inheritdoc />
    public void Dispose() => _opener.Dispose();
}
