using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.SubDevice.Onboarding;

/// <summary>Length-prefixed frames from the TCP stream, each read bounded by the idle timeout.</summary>
internal sealed class FrameReader(Stream stream, TimeProvider time)
{
    private readonly StreamFrameDecoder _decoder = new();
    private readonly Queue<ProvisioningFrame> _frames = new();
    private readonly byte[] _buffer = new byte[4096];

    public async Task<ProvisioningFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        while (_frames.Count == 0)
        {
            int read;
            using (var idle = new CancellationTokenSource(ProvisioningDefaults.IdleTimeout, time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token))
            {
                read = await stream.ReadAsync(_buffer, linked.Token).ConfigureAwait(false);
            }
            if (read == 0)
            {
                return _decoder.HasPartialFrame
                    ? throw new ProtocolException(ProtocolErrorCode.Truncated, "the connection closed in the middle of a frame")
                    : null;
            }
            foreach (var frame in _decoder.Push(_buffer.AsSpan(0, read)))
            {
                _frames.Enqueue(frame);
            }
        }
        return _frames.Dequeue();
    }
}
