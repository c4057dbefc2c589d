using System.Buffers.Binary;
using Pi.Protocol.Errors;

namespace Pi.Protocol.Framing;

/// <summary>
/// Incremental decoder of the TCP stream form: each frame is preceded by its length as 4 bytes,
/// big-endian. Feed it whatever a read returned, in any split; it never buffers more than one
/// frame, and checks every length against the limit before allocating for it.
/// </summary>
/// <remarks>
/// Any error faults the decoder for good (<see cref="ProtocolErrorCode.StreamFaulted"/> from then
/// on): a stream that carried one bad length cannot be trusted to be in step, so the connection
/// must be closed.
/// </remarks>
public sealed class StreamFrameDecoder
{
    /// <summary>Size of the length prefix.</summary>
    public const int LengthPrefixSize = 4;

    private readonly int _maxFrameSize;
    private readonly byte[] _prefix = new byte[LengthPrefixSize];
    private int _prefixFilled;
    private byte[]? _frame;
    private int _frameFilled;

    /// <summary>Creates a decoder that accepts frames of at most <paramref name="maxFrameSize"/> bytes.</summary>
    public StreamFrameDecoder(int maxFrameSize = ProvisioningFrame.DefaultMaxStreamFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, ProvisioningFrame.MinSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrameSize, ProvisioningFrame.MaxStreamFrameSize);
        _maxFrameSize = maxFrameSize;
    }

    /// <summary>True after an error; the connection should be closed.</summary>
    public bool IsFaulted { get; private set; }

    /// <summary>True while part of a frame (or of its length) has arrived but not all of it.</summary>
    public bool HasPartialFrame => _prefixFilled > 0 || _frame is not null;

    /// <summary>
    /// Consumes bytes up to the end of the first complete frame in <paramref name="input"/>, or all of
    /// it if no frame completes. Call again with the rest.
    /// </summary>
    /// <returns>How many bytes of <paramref name="input"/> were used.</returns>
    /// <exception cref="ProtocolException">A bad length or frame; the decoder is faulted afterwards.</exception>
    public int Consume(ReadOnlySpan<byte> input, out ProvisioningFrame? frame)
    {
        frame = null;
        if (IsFaulted)
        {
            throw new ProtocolException(ProtocolErrorCode.StreamFaulted, "the stream already carried a bad frame");
        }
        try
        {
            return ConsumeCore(input, out frame);
        }
        catch (ProtocolException)
        {
            IsFaulted = true;
            _frame = null;
            throw;
        }
    }

    /// <summary>Consumes all of <paramref name="input"/> and returns every frame it completed.</summary>
    /// <exception cref="ProtocolException">A bad length or frame; the decoder is faulted afterwards.</exception>
    public IReadOnlyList<ProvisioningFrame> Push(ReadOnlySpan<byte> input)
    {
        List<ProvisioningFrame>? frames = null;
        while (!input.IsEmpty)
        {
            var used = Consume(input, out var frame);
            input = input[used..];
            if (frame is not null)
            {
                (frames ??= []).Add(frame);
            }
        }
        return frames ?? (IReadOnlyList<ProvisioningFrame>)[];
    }

    private int ConsumeCore(ReadOnlySpan<byte> input, out ProvisioningFrame? frame)
    {
        frame = null;
        var used = 0;
        if (_frame is null)
        {
            var take = Math.Min(LengthPrefixSize - _prefixFilled, input.Length);
            input[..take].CopyTo(_prefix.AsSpan(_prefixFilled));
            _prefixFilled += take;
            used += take;
            if (_prefixFilled < LengthPrefixSize)
            {
                return used;
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(_prefix);
            if (length > (uint)_maxFrameSize)
            {
                throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"a stream frame of {length} bytes exceeds the limit of {_maxFrameSize}");
            }
            if (length < ProvisioningFrame.MinSize)
            {
                throw new ProtocolException(ProtocolErrorCode.LengthMismatch, $"a stream frame of {length} bytes is shorter than the minimum of {ProvisioningFrame.MinSize}");
            }
            _frame = new byte[length];
            _frameFilled = 0;
            input = input[take..];
        }

        var copy = Math.Min(_frame.Length - _frameFilled, input.Length);
        input[..copy].CopyTo(_frame.AsSpan(_frameFilled));
        _frameFilled += copy;
        used += copy;
        if (_frameFilled == _frame.Length)
        {
            var complete = _frame;
            _frame = null;
            _prefixFilled = 0;
            frame = ProvisioningFrame.ParseOwned(complete, _maxFrameSize);
        }
        return used;
    }
}
