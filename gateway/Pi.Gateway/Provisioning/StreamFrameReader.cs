using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// Reads length-prefixed frames from a TCP stream under the protocol's two clocks (section 5, rule
/// 7): a peer that sends nothing for the idle timeout while a frame is awaited, or whose frame does
/// not complete within the frame timeout of its first byte, is dropped. Byte-at-a-time trickling
/// does not reset the frame clock. Memory is bounded: one read buffer and at most one frame.
/// </summary>
internal sealed class StreamFrameReader(Stream stream, int maxFrameSize, TimeSpan idleTimeout, TimeSpan frameTimeout, TimeProvider time)
{
    private const int ReadBufferSize = 4096;

    private readonly StreamFrameDecoder _decoder = new(maxFrameSize);
    private readonly byte[] _buffer = new byte[ReadBufferSize];
    private int _start;
    private int _end;
    private long _frameStartedAt;

    /// <summary>The next frame, or null when the peer closed the connection between frames.</summary>
    /// <exception cref="ProtocolException">A bad length or frame (the stream is done for), or the peer closed mid-frame.</exception>
    /// <exception cref="SessionTimeoutException">The idle or the frame timeout passed.</exception>
    public async Task<ProvisioningFrame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var waitStartedAt = time.GetTimestamp();
        while (true)
        {
            while (_start < _end)
            {
                var wasPartial = _decoder.HasPartialFrame;
                _start += _decoder.Consume(_buffer.AsSpan(_start, _end - _start), out var frame);
                if (frame is not null)
                {
                    return frame;
                }
                if (!wasPartial && _decoder.HasPartialFrame)
                {
                    _frameStartedAt = time.GetTimestamp();
                }
            }
            _start = _end = 0;

            var midFrame = _decoder.HasPartialFrame;
            var remaining = midFrame
                ? frameTimeout - time.GetElapsedTime(_frameStartedAt)
                : idleTimeout - time.GetElapsedTime(waitStartedAt);
            if (remaining <= TimeSpan.Zero)
            {
                throw new SessionTimeoutException(idle: !midFrame, midFrame ? frameTimeout : idleTimeout);
            }
            int read;
            using (var timeout = new CancellationTokenSource(remaining, time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    read = await stream.ReadAsync(_buffer, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new SessionTimeoutException(idle: !midFrame, midFrame ? frameTimeout : idleTimeout);
                }
            }
            if (read == 0)
            {
                return midFrame
                    ? throw new ProtocolException(ProtocolErrorCode.Truncated, "the connection closed in the middle of a frame")
                    : null;
            }
            _end = read;
        }
    }
}

/// <summary>The peer was silent past the idle timeout, or its frame did not complete in time.</summary>
internal sealed class SessionTimeoutException : TimeoutException
{
    public SessionTimeoutException(bool idle, TimeSpan timeout)
        : base(idle ? $"nothing received for {timeout.TotalMilliseconds:0} ms" : $"a frame did not complete within {timeout.TotalMilliseconds:0} ms")
    {
        Idle = idle;
    }

    public SessionTimeoutException()
    {
    }

    public SessionTimeoutException(string message)
        : base(message)
    {
    }

    public SessionTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True for the idle timeout, false for the frame timeout.</summary>
    public bool Idle { get; }
}
