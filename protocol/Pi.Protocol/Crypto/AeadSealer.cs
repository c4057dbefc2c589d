using System.Buffers.Binary;
using System.Security.Cryptography;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Crypto;

/// <summary>
/// Seals with AES-128-GCM under one key and one nonce prefix, taking each counter exactly once.
/// The counter is never supplied by the caller: the sealer writes it into the header it
/// authenticates, so no use of this class can reuse a nonce. Thread-safe.
/// </summary>
/// <remarks>
/// Counters run from <c>firstCounter</c> up to (not including) <see cref="CounterLimit"/>. A key
/// that outlives its process (none does in this protocol, but a product may add one) persists a
/// reservation: seal up to the reserved limit, persist a higher one, then <see cref="ExtendLimit"/>.
/// </remarks>
public sealed class AeadSealer : IDisposable
{
    /// <summary>AES-GCM tag size in bytes.</summary>
    public const int TagSize = 16;

    private readonly AesGcm _aes;
    private readonly uint _prefix;
    private readonly Lock _lock = new();
    private ulong _next;
    private ulong _limit;
    private bool _disposed;

    /// <summary>Creates a sealer.</summary>
    /// <param name="key">The 128-bit key.</param>
    /// <param name="noncePrefix">The sender's 4-byte prefix (see <see cref="Nonce.Prefix"/>).</param>
    /// <param name="firstCounter">The first counter to use.</param>
    /// <param name="counterLimit">Exclusive upper bound of counters this sealer may use.</param>
    public AeadSealer(SymmetricKey key, uint noncePrefix, ulong firstCounter = 0, ulong counterLimit = ulong.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstCounter, counterLimit);
        _aes = new AesGcm(key.Bytes, TagSize);
        _prefix = noncePrefix;
        _next = firstCounter;
        _limit = counterLimit;
    }

    /// <summary>The 4-byte nonce prefix this sealer uses (see <see cref="Nonce.Prefix"/>).</summary>
    public uint NoncePrefix => _prefix;

    /// <summary>The counter the next seal will use.</summary>
    public ulong NextCounter
    {
        get
        {
            lock (_lock)
            {
                return _next;
            }
        }
    }

    /// <summary>The exclusive upper bound of counters this sealer may use.</summary>
    public ulong CounterLimit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }
    }

    /// <summary>Raises the counter limit (after the owner persisted a new reservation). Never lowers it.</summary>
    public void ExtendLimit(ulong newLimit)
    {
        lock (_lock)
        {
            if (newLimit > _limit)
            {
                _limit = newLimit;
            }
        }
    }

    /// <summary>
    /// Seals <paramref name="plaintext"/> into <paramref name="frame"/>: writes the counter (8 bytes,
    /// big-endian) at <paramref name="counterOffset"/>, authenticates <c>frame[..aadLength]</c>, writes the
    /// ciphertext at <c>frame[aadLength..]</c> and the 16-byte tag right after it.
    /// </summary>
    /// <returns>The counter used.</returns>
    /// <exception cref="ProtocolException">
    /// <see cref="ProtocolErrorCode.CounterLimitReached"/> when the reserved limit is reached;
    /// <see cref="ProtocolErrorCode.CounterExhausted"/> when the key has no counters left.
    /// </exception>
    public ulong Seal(Span<byte> frame, int counterOffset, int aadLength, ReadOnlySpan<byte> plaintext)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(counterOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(counterOffset + sizeof(ulong), aadLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(frame.Length, aadLength + plaintext.Length + TagSize);

        Span<byte> nonce = stackalloc byte[Nonce.Size];
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_next >= _limit)
            {
                throw _limit == ulong.MaxValue
                    ? new ProtocolException(ProtocolErrorCode.CounterExhausted, "this key has sealed its last counter; a new key is needed")
                    : new ProtocolException(ProtocolErrorCode.CounterLimitReached, "the reserved counter range is used up");
            }
            var counter = _next++;
            BinaryPrimitives.WriteUInt64BigEndian(frame.Slice(counterOffset, sizeof(ulong)), counter);
            Nonce.Write(nonce, _prefix, counter);
            var ciphertext = frame.Slice(aadLength, plaintext.Length);
            var tag = frame.Slice(aadLength + plaintext.Length, TagSize);
            _aes.Encrypt(nonce, plaintext, ciphertext, tag, frame[..aadLength]);
            return counter;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                _aes.Dispose();
            }
        }
    }
}
