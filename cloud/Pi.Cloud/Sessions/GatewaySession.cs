using System.Security.Cryptography;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Sessions;

/// <summary>
/// One login of one gateway: its sessionkey, the MQTT credential that goes with it, and the two
/// envelope directions (up opened with a replay window, down sealed with its own counter).
/// A session ends at logout, at a newer login, at reset-unbind or when it expires; afterwards
/// nothing under its key is accepted again.
/// </summary>
public sealed class GatewaySession : IDisposable
{
    private readonly Lock _gate = new();
    private readonly byte[] _tokenHash;
    private readonly EnvelopeOpener _up;
    private readonly EnvelopeSealer _down;
    private bool _ended;

    internal GatewaySession(string tid, uint keyId, SymmetricKey key, string token, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        Tid = tid;
        KeyId = keyId;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        _tokenHash = HashToken(System.Text.Encoding.UTF8.GetBytes(token));
        _up = new EnvelopeOpener(key, keyId, Direction.GatewayToCloud, tid: tid);
        _down = new EnvelopeSealer(key, keyId, Direction.CloudToGateway);
    }

    /// <summary>The gateway.</summary>
    public string Tid { get; }

    /// <summary>The sessionkey's id (in every envelope header of this session).</summary>
    public uint KeyId { get; }

    /// <summary>When the login happened.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>When the session stops being accepted.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>True once ended.</summary>
    public bool IsEnded
    {
        get
        {
            lock (_gate)
            {
                return _ended;
            }
        }
    }

    /// <summary>True when the session is live at <paramref name="now"/>.</summary>
    public bool IsLive(DateTimeOffset now) => !IsEnded && now < ExpiresAt;

    /// <summary>True when <paramref name="token"/> (the MQTT password bytes) is this session's token.</summary>
    public bool MatchesToken(ReadOnlySpan<byte> token) =>
        CryptographicOperations.FixedTimeEquals(HashToken(token), _tokenHash);

    /// <summary>
    /// Opens one up-packet. Refused (a <see cref="ProtocolException"/>) when the session is over,
    /// or the envelope is malformed, sealed under another key, replayed or tampered. The replay
    /// window moves only for an authentic envelope.
    /// </summary>
    public (EnvelopeHeader Header, SessionMessage Message) Open(ReadOnlySpan<byte> envelope, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_ended || now >= ExpiresAt)
            {
                throw new ProtocolException(ProtocolErrorCode.SessionExpired, "the session is over; log in again");
            }
            return _up.OpenMessage(envelope);
        }
    }

    /// <summary>Seals one message for the gateway (<paramref name="did"/> when it concerns a sub-device).</summary>
    public byte[] Seal(SessionMessage message, string? did = null)
    {
        lock (_gate)
        {
            if (_ended)
            {
                throw new ProtocolException(ProtocolErrorCode.SessionExpired, "the session is over");
            }
            return _down.Seal(message, Tid, did);
        }
    }

    /// <summary>
    /// Ends the session and frees its keys at once: every later <see cref="Open"/> or
    /// <see cref="Seal"/> is refused before it could touch them. True the first time.
    /// </summary>
    public bool End()
    {
        lock (_gate)
        {
            if (_ended)
            {
                return false;
            }
            _ended = true;
            _up.Dispose();
            _down.Dispose();
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose() => End();

    private static byte[] HashToken(ReadOnlySpan<byte> token) => SHA256.HashData(token);
}
