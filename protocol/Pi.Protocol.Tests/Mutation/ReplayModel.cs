namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// The replay rules as the spec states them, without bit tricks: a set of accepted counters and
/// "reject if seen, or (datagrams) older than highest - 63, or (streams) not above the highest".
/// </summary>
internal sealed class ReplayModel(bool strict)
{
    private readonly HashSet<ulong> _accepted = [];

    public ulong? Highest { get; private set; }

    public bool CanAccept(ulong counter)
    {
        if (Highest is not { } highest)
        {
            return true;
        }
        if (strict)
        {
            return counter > highest;
        }
        return !_accepted.Contains(counter) && (highest < 63 || counter >= highest - 63);
    }

    public void Accept(ulong counter)
    {
        if (!CanAccept(counter))
        {
            throw new InvalidOperationException($"model: counter {counter} is not acceptable");
        }
        _accepted.Add(counter);
        Highest = Highest is { } highest ? Math.Max(highest, counter) : counter;
    }
}
