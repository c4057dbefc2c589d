using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Cloud;

/// <summary>
/// The sessionkey's sealer and opener for one login session. They outlive the session's MQTT
/// connections: after a reconnect under the same session the up counters go on where they stopped
/// (restarting them would reuse AES-GCM nonces under the same key, and the cloud would drop every
/// packet as a replay) and the replay window keeps refusing down-packets of the earlier connection.
/// </summary>
public sealed class SessionCrypto : IDisposable
{
    private readonly Lock _lock = new();
    private readonly EnvelopeSealer _up;
    private readonly EnvelopeOpener _down;
    private bool _disposed;

    public SessionCrypto(string tid, LoginReply session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Tid = tid;
        _up = new EnvelopeSealer(session.SessionKey, session.SessionKeyId, Direction.GatewayToCloud);
        _down = new EnvelopeOpener(session.SessionKey, session.SessionKeyId, Direction.CloudToGateway, tid: tid);
    }

    /// <summary>The gateway's tid.</summary>
    public string Tid { get; }

    /// <summary>Seals an up-packet under the sessionkey with the next counter.</summary>
    /// <exception cref="CloudChannelException">The session ended.</exception>
    public byte[] Seal(SessionMessage message, string? did)
    {
        lock (_lock)
        {
            return _disposed ? throw new CloudChannelException("the session ended") : _up.Seal(message, Tid, did);
        }
    }

    /// <summary>Opens a down-packet (throws <see cref="Pi.Protocol.Errors.ProtocolException"/> when it does not open).</summary>
    /// <exception cref="CloudChannelException">The session ended.</exception>
    public (EnvelopeHeader Header, SessionMessage Message) Open(ReadOnlySpan<byte> envelope)
    {
        lock (_lock)
        {
            return _disposed ? throw new CloudChannelException("the session ended") : _down.OpenMessage(envelope);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _up.Dispose();
            _down.Dispose();
        }
    }
}
