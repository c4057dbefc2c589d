using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Envelopes;

/// <summary>
/// Seals session envelopes in one direction under one key (a sessionkey, a link key or a login
/// key). Counters start at 0 and are never reused. Thread-safe.
/// </summary>
public sealed class EnvelopeSealer : IDisposable
{
    private readonly AeadSealer _sealer;

    /// <summary>Creates a sealer.</summary>
    /// <param name="key">The channel key.</param>
    /// <param name="keyId">The id of that key, written into every header.</param>
    /// <param name="direction">This sender's direction (3 to 6).</param>
    /// <param name="firstCounter">
    /// The first counter. Parties start at 0 with a fresh key; tools and test vectors may start
    /// elsewhere. Never start two sealers of one key and direction at overlapping counters.
    /// </param>
    public EnvelopeSealer(SymmetricKey key, uint keyId, Direction direction, ulong firstCounter = 0)
    {
        if (direction < Direction.GatewayToCloud || !Directions.IsDefined((byte)direction))
        {
            throw new ArgumentOutOfRangeException(nameof(direction), "envelopes travel gateway<->cloud or sub-device<->gateway");
        }
        _sealer = new AeadSealer(key, Nonce.Prefix(NonceChannel.Envelope, direction), firstCounter);
        KeyId = keyId;
        Direction = direction;
    }

    /// <summary>The key id written into headers.</summary>
    public uint KeyId { get; }

    /// <summary>The direction written into headers.</summary>
    public Direction Direction { get; }

    /// <summary>The counter the next envelope will carry.</summary>
    public ulong NextCounter => _sealer.NextCounter;

    /// <summary>Seals <paramref name="plaintext"/> for <paramref name="tid"/> and/or <paramref name="did"/>.</summary>
    /// <exception cref="ProtocolException">Invalid ids, or <see cref="ProtocolErrorCode.CounterExhausted"/>.</exception>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, string? tid, string? did = null)
    {
        SessionEnvelope.CheckIds(tid, did);
        var output = new byte[SessionEnvelope.GetSealedSize(plaintext.Length, tid, did)];
        var headerLength = SessionEnvelope.WriteHeader(output, Direction, KeyId, tid, did);
        _sealer.Seal(output, SessionEnvelope.CounterOffset, headerLength, plaintext);
        return output;
    }

    /// <summary>Seals into <paramref name="destination"/>; returns the envelope's length.</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, string? tid, string? did, Span<byte> destination)
    {
        SessionEnvelope.CheckIds(tid, did);
        var size = SessionEnvelope.GetSealedSize(plaintext.Length, tid, did);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, size);
        var headerLength = SessionEnvelope.WriteHeader(destination, Direction, KeyId, tid, did);
        _sealer.Seal(destination[..size], SessionEnvelope.CounterOffset, headerLength, plaintext);
        return size;
    }

    /// <summary>Encodes and seals a session message.</summary>
    public byte[] Seal(SessionMessage message, string? tid, string? did = null) =>
        Seal(ProtocolJson.Serialize(message), tid, did);

    /// <inheritdoc />
    public void Dispose() => _sealer.Dispose();
}
