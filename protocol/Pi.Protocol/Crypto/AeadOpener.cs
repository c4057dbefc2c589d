using System.Security.Cryptography;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Crypto;

/// <summary>
/// Opens AES-128-GCM frames from one sender (one key, one nonce prefix) and rejects replays.
/// The replay window moves only after a frame authenticates, so forged or tampered frames change
/// nothing. Thread-safe.
/// </summary>
public sealed class AeadOpener : IDisposable
{
    private readonly AesGcm _aes;
    private readonly uint _prefix;
    private readonly ReplayWindow _window;
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <summary>Creates an opener for frames sealed under <paramref name="key"/> with <paramref name="noncePrefix"/>.</summary>
    public AeadOpener(SymmetricKey key, uint noncePrefix, ReplayMode mode)
    {
        ArgumentNullException.ThrowIfNull(key);
        _aes = new AesGcm(key.Bytes, AeadSealer.TagSize);
        _prefix = noncePrefix;
        _window = ReplayWindow.Create(mode);
    }

    /// <summary>The highest counter accepted so far, or null when none was.</summary>
    public ulong? HighestAccepted
    {
        get
        {
            lock (_lock)
            {
                return _window.HasAccepted ? _window.Highest : null;
            }
        }
    }

    /// <summary>Authenticates and decrypts one frame.</summary>
    /// <param name="associatedData">The authenticated header bytes (they contain the counter).</param>
    /// <param name="counter">The counter read from the header.</param>
    /// <param name="ciphertext">The encrypted bytes.</param>
    /// <param name="tag">The 16-byte tag.</param>
    /// <param name="plaintext">Receives the plaintext; as long as <paramref name="ciphertext"/>.</param>
    /// <exception cref="ProtocolException">
    /// <see cref="ProtocolErrorCode.Replayed"/> or <see cref="ProtocolErrorCode.AuthenticationFailed"/>;
    /// the window is unchanged in both cases.
    /// </exception>
    public void Open(ReadOnlySpan<byte> associatedData, ulong counter, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        if (tag.Length != AeadSealer.TagSize)
        {
            throw new ProtocolException(ProtocolErrorCode.Truncated, "the tag is 16 bytes");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(plaintext.Length, ciphertext.Length);

        Span<byte> nonce = stackalloc byte[Nonce.Size];
        Nonce.Write(nonce, _prefix, counter);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_window.CanAccept(counter))
            {
                throw new ProtocolException(ProtocolErrorCode.Replayed, $"counter {counter} was already accepted or is too old");
            }
            try
            {
                _aes.Decrypt(nonce, ciphertext, tag, plaintext[..ciphertext.Length], associatedData);
            }
            catch (AuthenticationTagMismatchException ex)
            {
                throw new ProtocolException(ProtocolErrorCode.AuthenticationFailed, "the data does not authenticate (tampered, or sealed under another key)", ex);
            }
            _window.Accept(counter);
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
