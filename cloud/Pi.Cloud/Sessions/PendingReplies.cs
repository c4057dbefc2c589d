using System.Collections.Concurrent;
using System.Security.Cryptography;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Sessions;

/// <summary>What a message the cloud sent is waiting for.</summary>
public enum PendingKind
{
    /// <summary>A command (request); answered by a response or an error.</summary>
    Command = 1,

    /// <summary>subDeviceAdded; answered by an ack.</summary>
    SubDeviceAdded = 2,

    /// <summary>subDeviceRemoved; answered by an ack.</summary>
    SubDeviceRemoved = 3,

    /// <summary>keyRotation; answered by keyRotationAck.</summary>
    KeyRotation = 4,
}

/// <summary>One message the cloud sent to a gateway and awaits an answer to.</summary>
public sealed record PendingReply(string Tid, string Txn, PendingKind Kind, string? Did, uint? KeyId)
{
    internal TaskCompletionSource<SessionMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the answer, or faults with a <see cref="ProtocolException"/>.</summary>
    public Task<SessionMessage> Answer => Completion.Task;
}

/// <summary>
/// The cloud's outstanding requests to gateways, by (tid, txn). Transaction ids are random, so a
/// gateway cannot answer a request it was not sent; an answer nobody waits for is dropped.
/// </summary>
public sealed class PendingReplies
{
    private readonly ConcurrentDictionary<(string Tid, string Txn), PendingReply> _pending = new();

    /// <summary>Registers a new outstanding message with a fresh random txn.</summary>
    public PendingReply Register(string tid, PendingKind kind, string? did = null, uint? keyId = null)
    {
        while (true)
        {
            var txn = "c" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var pending = new PendingReply(tid, txn, kind, did, keyId);
            if (_pending.TryAdd((tid, txn), pending))
            {
                return pending;
            }
        }
    }

    /// <summary>True when a message of this kind for this did (or key id) is already outstanding.</summary>
    public bool IsOutstanding(string tid, PendingKind kind, string? did = null, uint? keyId = null) =>
        _pending.Values.Any(p => p.Tid == tid && p.Kind == kind && p.Did == did && p.KeyId == keyId);

    /// <summary>How many messages to this gateway await an answer.</summary>
    public int CountFor(string tid) => _pending.Keys.Count(k => k.Tid == tid);

    /// <summary>Takes the outstanding message <paramref name="txn"/> of <paramref name="tid"/>, if any.</summary>
    public PendingReply? Take(string tid, string txn) =>
        _pending.TryRemove((tid, txn), out var pending) ? pending : null;

    /// <summary>Forgets a message (timed out or not sent); its waiter is cancelled.</summary>
    public void Remove(PendingReply pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        if (_pending.TryRemove(new KeyValuePair<(string, string), PendingReply>((pending.Tid, pending.Txn), pending)))
        {
            pending.Completion.TrySetCanceled();
        }
    }

    /// <summary>Fails everything outstanding for a gateway (its session ended).</summary>
    public void FailAll(string tid, ProtocolErrorCode code, string message)
    {
        foreach (var key in _pending.Keys.Where(k => k.Tid == tid).ToList())
        {
            if (_pending.TryRemove(key, out var pending))
            {
                pending.Completion.TrySetException(new ProtocolException(code, message));
            }
        }
    }
}
