using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Xunit.Abstractions;
using static Pi.Protocol.Tests.Mutation.Session_Envelope_Header_Mutation_Tests;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// EnvelopeOpener.Open with a replay window that already accepted most of the corpus: no mutated
/// envelope opens, each fails with a code the header model or the opener's rules explain, the
/// window never moves, and the held-back envelopes still open at the end.
/// </summary>
public sealed class Envelope_Opener_Mutation_Tests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ReplayMode.Datagram)]
    [InlineData(ReplayMode.Stream)]
    public void Mutated_envelopes_never_open_and_never_move_the_window(ReplayMode mode)
    {
        var key = Samples.Key(21);
        var envelopes = SealedEnvelopes(key, out var legitimate);
        // Datagrams: hold back three counters spread over the window; streams: the last three.
        int[] heldBack = mode == ReplayMode.Datagram ? [2, 9, legitimate - 1] : [legitimate - 3, legitimate - 2, legitimate - 1];
        using var opener = new EnvelopeOpener(key, KeyId, Sender, tid: Samples.Tid, mode: mode);
        var model = new ReplayModel(strict: mode == ReplayMode.Stream);
        var order = Enumerable.Range(0, legitimate).Where(i => !heldBack.Contains(i)).ToList();
        if (mode == ReplayMode.Datagram)
        {
            order.Reverse();
        }
        foreach (var counter in order)
        {
            opener.Open(envelopes[counter]);
            model.Accept((ulong)counter);
        }
        var highest = opener.HighestAccepted;
        Assert.Equal(model.Highest, highest);

        var mutator = new ByteMutator(envelopes, Fields, hotBytes: 20, maxExtension: SessionEnvelope.DefaultMaxSize + 64);
        var run = new FuzzRun($"EnvelopeOpener.Open ({mode})", output);
        run.Run(
            Fuzz.Cases,
            mutator.Next,
            bytes =>
            {
                opener.Open(bytes);
                return Outcome.Success();
            },
            (item, outcome) =>
                opener.HighestAccepted != highest ? $"the window moved from {highest} to {opener.HighestAccepted}"
                : outcome.IsSuccess ? "a mutated envelope opened"
                : Explains(item.Input, model, SessionEnvelope.DefaultMaxSize, Samples.Tid).Contains(outcome.Code!.Value) ? null
                : $"no rule explains it; allowed: {WireModels.Names(Explains(item.Input, model, SessionEnvelope.DefaultMaxSize, Samples.Tid))}",
            bytes => 16_384 + (2L * bytes.Length));

        foreach (var counter in heldBack)
        {
            var opened = opener.Open(envelopes[counter]);
            Assert.Equal((ulong)counter, opened.Header.Counter);
        }
        Assert.Equal((ulong)heldBack.Max(), opener.HighestAccepted);
        run.AssertReached(
            ProtocolErrorCode.FrameTooLarge, ProtocolErrorCode.Truncated, ProtocolErrorCode.BadMagic,
            ProtocolErrorCode.UnsupportedVersion, ProtocolErrorCode.WrongDirection, ProtocolErrorCode.ReservedFlags,
            ProtocolErrorCode.InvalidId, ProtocolErrorCode.KeyIdMismatch, ProtocolErrorCode.IdMismatch,
            ProtocolErrorCode.Replayed, ProtocolErrorCode.AuthenticationFailed);
    }

    /// <summary>
    /// The codes that may explain why <paramref name="bytes"/> (not an original envelope) fails: the
    /// header model's violations, or else the opener's rules and, always, a failed tag.
    /// </summary>
    internal static HashSet<ProtocolErrorCode> Explains(byte[] bytes, ReplayModel window, int maxSize, string tid)
    {
        var violations = WireModels.Envelope(bytes, maxSize, out var fields);
        if (fields is null)
        {
            return violations;
        }
        var allowed = new HashSet<ProtocolErrorCode> { ProtocolErrorCode.AuthenticationFailed };
        if (fields.Direction != (byte)Sender)
        {
            allowed.Add(ProtocolErrorCode.WrongDirection);
        }
        if (fields.KeyId != KeyId)
        {
            allowed.Add(ProtocolErrorCode.KeyIdMismatch);
        }
        if (fields.Tid != tid)
        {
            allowed.Add(ProtocolErrorCode.IdMismatch);
        }
        if (!window.CanAccept(fields.Counter))
        {
            allowed.Add(ProtocolErrorCode.Replayed);
        }
        return allowed;
    }
}
