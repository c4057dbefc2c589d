namespace Pi.Protocol.Crypto;

/// <summary>How a receiver treats counters that arrive out of order.</summary>
public enum ReplayMode
{
    /// <summary>
    /// Datagrams (UDP, MQTT): a sliding window of 64 counters, as in DTLS and IPsec. A counter is
    /// accepted once, if it is newer than the newest seen or within the 63 before it.
    /// </summary>
    Datagram,

    /// <summary>Ordered streams (TCP): every counter must be greater than the last accepted one.</summary>
    Stream,
}

/// <summary>
/// Remembers which counters a receiver has accepted. Checking and committing are separate so that a
/// frame that fails authentication never moves the window.
/// </summary>
public abstract class ReplayWindow
{
    /// <summary>Creates the window for a mode.</summary>
    public static ReplayWindow Create(ReplayMode mode) => mode switch
    {
        ReplayMode.Datagram => new SlidingReplayWindow(),
        ReplayMode.Stream => new StrictReplayWindow(),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>Whether any counter has been accepted yet.</summary>
    public bool HasAccepted { get; protected set; }

    /// <summary>The highest counter accepted so far (0 when none).</summary>
    public ulong Highest { get; protected set; }

    /// <summary>True if <paramref name="counter"/> has not been seen and is not too old. Changes nothing.</summary>
    public abstract bool CanAccept(ulong counter);

    /// <summary>Records <paramref name="counter"/> as seen. Call only after the frame authenticated.</summary>
    public abstract void Accept(ulong counter);
}

/// <summary>Sliding 64-counter window (RFC 4303 section 3.4.3 style).</summary>
public sealed class SlidingReplayWindow : ReplayWindow
{
    /// <summary>How many counters the window spans.</summary>
    public const int Size = 64;

    // Bit i set = counter (Highest - i) was accepted.
    private ulong _seen;

    /// <inheritdoc />
    public override bool CanAccept(ulong counter)
    {
        if (!HasAccepted || counter > Highest)
        {
            return true;
        }
        var age = Highest - counter;
        return age < Size && (_seen & (1UL << (int)age)) == 0;
    }

    /// <inheritdoc />
    public override void Accept(ulong counter)
    {
        if (!CanAccept(counter))
        {
            throw new InvalidOperationException("counter was not acceptable");
        }
        if (!HasAccepted)
        {
            _seen = 1;
            Highest = counter;
            HasAccepted = true;
        }
        else if (counter > Highest)
        {
            var shift = counter - Highest;
            _seen = shift >= Size ? 1 : (_seen << (int)shift) | 1;
            Highest = counter;
        }
        else
        {
            _seen |= 1UL << (int)(Highest - counter);
        }
    }
}

/// <summary>Strictly increasing counters, for ordered streams.</summary>
public sealed class StrictReplayWindow : ReplayWindow
{
    /// <inheritdoc />
    public override bool CanAccept(ulong counter) => !HasAccepted || counter > Highest;

    /// <inheritdoc />
    public override void Accept(ulong counter)
    {
        if (!CanAccept(counter))
        {
            throw new InvalidOperationException("counter was not acceptable");
        }
        Highest = counter;
        HasAccepted = true;
    }
}
