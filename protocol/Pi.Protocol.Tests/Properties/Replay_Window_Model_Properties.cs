using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Crypto;
using Pi.Protocol.Tests.Mutation;

namespace Pi.Protocol.Tests.Properties;

/// <summary>
/// Model-based tests of the replay windows: for any sequence of counters, CanAccept and Accept agree
/// with <see cref="ReplayModel"/> (a set of accepted counters and the spec's rule), a refused Accept
/// changes nothing, and CanAccept alone (a frame that then fails its tag) never moves the window.
/// </summary>
public sealed class Replay_Window_Model_Properties
{
    /// <summary>One arrival: a counter, and whether the frame carrying it authenticates (so Accept follows CanAccept).</summary>
    public readonly record struct Arrival(ulong Counter, bool Authentic)
    {
        public override string ToString() => Authentic ? $"{Counter}" : $"{Counter}(forged)";
    }

    /// <summary>
    /// Counters that stress the window: near a base that drifts, exactly 63, 64 and 65 behind the
    /// newest, repeats, far jumps, and values near 0 and near ulong.MaxValue.
    /// </summary>
    private static Gen<Arrival[]> Steps(int maxLength) =>
        from start in Gen.Frequency((3, Gen.Constant(0UL)), (1, Gen.Choose(0, 1000).Select(i => (ulong)i)), (1, Gen.Choose(70, 200).Select(d => ulong.MaxValue - (ulong)d)))
        from deltas in Gen.ListOf(
            Gen.Frequency(
                (6, Gen.Choose(-70, 70)),
                (2, Gen.Elements(-65, -64, -63, -62, 0, 1, 63, 64, 65)),
                (1, Gen.Choose(-1000, 1000)),
                (1, Gen.Choose(1_000, int.MaxValue))))
        from authentic in Gen.ArrayOf(Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false))), maxLength)
        select Walk(start, deltas.Take(maxLength), authentic);

    private static Arrival[] Walk(ulong start, IEnumerable<int> deltas, bool[] authentic)
    {
        var counter = start;
        return [.. deltas.Select((delta, i) => new Arrival(counter = Offset(counter, delta), authentic[i]))];
    }

    private static ulong Offset(ulong start, long delta) =>
        delta >= 0
            ? (ulong.MaxValue - start < (ulong)delta ? ulong.MaxValue : start + (ulong)delta)
            : ((ulong)(-delta) > start ? 0 : start - (ulong)(-delta));

    [PiProperty(MaxTest = 2000, EndSize = 300)]
    public Property The_sliding_window_agrees_with_the_model() =>
        Prop.ForAll(Steps(400).ToArbitrary(), steps => Check(new SlidingReplayWindow(), new ReplayModel(strict: false), steps));

    [PiProperty(MaxTest = 2000, EndSize = 300)]
    public Property The_strict_window_agrees_with_the_model() =>
        Prop.ForAll(Steps(400).ToArbitrary(), steps => Check(new StrictReplayWindow(), new ReplayModel(strict: true), steps));

    [PiProperty(MaxTest = 500)]
    public Property ReplayWindow_Create_picks_the_window_of_its_mode() =>
        Prop.ForAll(Steps(100).ToArbitrary(), steps =>
        {
            Check(ReplayWindow.Create(ReplayMode.Datagram), new ReplayModel(strict: false), steps);
            Check(ReplayWindow.Create(ReplayMode.Stream), new ReplayModel(strict: true), steps);
        });

    private static void Check(ReplayWindow window, ReplayModel model, Arrival[] steps)
    {
        for (var i = 0; i < steps.Length; i++)
        {
            var (counter, authentic) = steps[i];
            var expected = model.CanAccept(counter);
            Assert.True(expected == window.CanAccept(counter), $"step {i}: CanAccept({counter}) is {!expected}, the model says {expected}; highest {model.Highest}");
            if (authentic && expected)
            {
                window.Accept(counter);
                model.Accept(counter);
            }
            else if (authentic)
            {
                var (highest, hasAccepted) = (window.Highest, window.HasAccepted);
                Assert.Throws<InvalidOperationException>(() => window.Accept(counter));
                Assert.Equal((highest, hasAccepted), (window.Highest, window.HasAccepted));
            }
            Assert.Equal(model.Highest is not null, window.HasAccepted);
            Assert.Equal(model.Highest ?? 0, window.Highest);
            // Re-asking changes nothing: a replay of the same counter is now refused if it was accepted.
            Assert.Equal(model.CanAccept(counter), window.CanAccept(counter));
        }
    }
}
