using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Tests.Mutation;

namespace Pi.Protocol.Tests.Properties;

/// <summary>
/// An opener that has accepted some frames is attacked with failing input (garbage, flipped bits,
/// truncations, extensions, replays, frames under another key or from another direction): every
/// attack fails with a ProtocolException, the highest accepted counter never moves, and afterwards
/// every legitimate frame not yet seen (and newer than the highest, for streams) still opens.
/// </summary>
public sealed class No_State_Change_Properties
{
    /// <summary>How an attack is made from the legitimate frames; the numbers pick frame, position and bytes.</summary>
    public enum AttackKind
    {
        Garbage,
        BitFlip,
        Truncation,
        Extension,
        Replay,
        OtherKey,
        OtherDirection,
    }

    public sealed record Attack(AttackKind Kind, int Frame, int Position, int Seed)
    {
        public override string ToString() => $"{Kind}(frame {Frame}, at {Position}, seed {Seed})";
    }

    /// <summary>Count legitimate frames; which are accepted first (in this order); then the attacks.</summary>
    public sealed record Scenario(ReplayMode Mode, int Count, int[] Accepted, Attack[] Attacks)
    {
        public override string ToString() => $"{Mode}: {Count} frames, accepted [{string.Join(",", Accepted)}], attacks [{string.Join(", ", Attacks)}]";
    }

    private static Gen<Scenario> Scenarios { get; } =
        from mode in Generators.Enum<ReplayMode>()
        from count in Gen.Choose(2, 40)
        from chosen in Gen.SubListOf(Enumerable.Range(0, count).ToArray()).Where(list => list.Count > 0 && list.Count < count)
        from order in Gen.Shuffle(chosen.ToArray())
        from attacks in Gen.Choose(1, 24).SelectMany(n => Gen.ArrayOf(
            from kind in Generators.Enum<AttackKind>()
            from frame in Gen.Choose(0, count - 1)
            from position in Gen.Choose(0, int.MaxValue)
            from seed in Gen.Choose(0, int.MaxValue)
            select new Attack(kind, frame, position, seed), n))
        select new Scenario(mode, count, Accepted(mode, chosen, order), attacks);

    /// <summary>Datagrams accept in any order; a stream in increasing order, starting with 0 (the APP's first stream frame carries its key).</summary>
    private static int[] Accepted(ReplayMode mode, IEnumerable<int> chosen, IEnumerable<int> shuffled) =>
        mode == ReplayMode.Stream ? [.. chosen.Append(0).Distinct().Order()] : [.. shuffled];

    [PiProperty(MaxTest = 300)]
    public Property Failing_envelopes_never_move_the_window_and_unseen_envelopes_still_open() =>
        Prop.ForAll(Scenarios.ToArbitrary(), scenario =>
        {
            var key = Samples.Key(80);
            using var sealer = new EnvelopeSealer(key, 7, Direction.CloudToGateway);
            using var otherKey = new EnvelopeSealer(Samples.Key(81), 7, Direction.CloudToGateway);
            using var otherDirection = new EnvelopeSealer(key, 7, Direction.GatewayToCloud);
            var legitimate = Enumerable.Range(0, scenario.Count).Select(i => sealer.Seal(Samples.Bytes(i * 3, (byte)i), Samples.Tid)).ToList();
            var foreignKey = Enumerable.Range(0, scenario.Count).Select(i => otherKey.Seal(Samples.Bytes(i * 3, (byte)i), Samples.Tid)).ToList();
            var foreignDirection = Enumerable.Range(0, scenario.Count).Select(i => otherDirection.Seal(Samples.Bytes(i * 3, (byte)i), Samples.Tid)).ToList();
            using var opener = new EnvelopeOpener(key, 7, Direction.CloudToGateway, Samples.Tid, mode: scenario.Mode);

            Run(scenario, legitimate, foreignKey, foreignDirection, bytes => opener.Open(bytes), () => opener.HighestAccepted);
        });

    [PiProperty(MaxTest = 300)]
    public Property Failing_frames_never_change_a_channel_and_unseen_frames_still_open() =>
        Prop.ForAll(Scenarios.ToArbitrary(), scenario =>
        {
            var key = Samples.Key(82);
            var transport = scenario.Mode == ReplayMode.Datagram ? ProvisioningTransport.Datagram : ProvisioningTransport.Stream;
            // Datagrams: the gateway's deviceInfo to the APP. Stream: the APP's frames to the gateway.
            var sender = transport == ProvisioningTransport.Datagram ? ProvisioningRole.Gateway : ProvisioningRole.App;
            var receiver = sender == ProvisioningRole.App ? ProvisioningRole.Gateway : ProvisioningRole.App;
            var type = transport == ProvisioningTransport.Datagram ? ProvisioningFrameType.DeviceInfo : ProvisioningFrameType.WifiCredentials;
            List<byte[]> Frames(SymmetricKey frameKey, ProvisioningRole from)
            {
                using var channel = new ProvisioningChannel(frameKey, from, transport, openMode: false);
                return [.. Enumerable.Range(0, scenario.Count).Select(i =>
                {
                    var withKey = transport == ProvisioningTransport.Datagram || (from == ProvisioningRole.App && i == 0);
                    var frameType = from == sender ? type : Enum.GetValues<ProvisioningFrameType>().First(t => ProvisioningChannel.IsAllowed(from, transport, t));
                    var wire = channel.SealPlaintext(frameType, Samples.Bytes(i * 3, (byte)i), withKey ? Samples.PublicKey : default);
                    return transport == ProvisioningTransport.Stream ? wire[StreamFrameDecoder.LengthPrefixSize..] : wire;
                })];
            }
            var legitimate = Frames(key, sender);
            using var opener = new ProvisioningChannel(key, receiver, transport, openMode: false);
            var max = transport == ProvisioningTransport.Datagram ? ProvisioningFrame.MaxDatagramSize : ProvisioningFrame.DefaultMaxStreamFrameSize;

            Run(scenario, legitimate, Frames(Samples.Key(83), sender), Frames(key, receiver),
                bytes => opener.OpenPlaintext(ProvisioningFrame.Parse(bytes, max)), () => ChannelMutation.State(opener));
        });

    private static void Run<TState>(Scenario scenario, List<byte[]> legitimate, List<byte[]> otherKey, List<byte[]> otherDirection, Action<byte[]> open, Func<TState> state)
    {
        foreach (var counter in scenario.Accepted)
        {
            open(legitimate[counter]);
        }
        var before = state();
        var highest = scenario.Accepted.Max();
        foreach (var attack in scenario.Attacks)
        {
            var bytes = Make(attack, legitimate, otherKey, otherDirection, scenario.Accepted);
            if (legitimate.Any(frame => frame.AsSpan().SequenceEqual(bytes)) && !scenario.Accepted.Any(i => legitimate[i].AsSpan().SequenceEqual(bytes)))
            {
                continue; // an unchanged, unseen legitimate frame is not an attack
            }
            var error = Assert.Throws<ProtocolException>(() => open(bytes));
            Assert.Contains(error.Code, ProtocolErrors.All);
            Assert.True(Equals(before, state()), $"{attack} ({ProtocolErrors.Name(error.Code)}) moved the state from {before} to {state()}");
        }
        var unseen = Enumerable.Range(0, scenario.Count).Except(scenario.Accepted);
        foreach (var counter in scenario.Mode == ReplayMode.Stream ? unseen.Where(c => c > highest) : unseen)
        {
            open(legitimate[counter]);
        }
    }

    private static byte[] Make(Attack attack, List<byte[]> legitimate, List<byte[]> otherKey, List<byte[]> otherDirection, int[] accepted)
    {
        var frame = legitimate[attack.Frame];
        var random = new Random(attack.Seed);
        switch (attack.Kind)
        {
            case AttackKind.Garbage:
                var garbage = new byte[random.Next(0, 300)];
                random.NextBytes(garbage);
                return garbage;
            case AttackKind.BitFlip:
                var flipped = (byte[])frame.Clone();
                flipped[attack.Position % flipped.Length] ^= (byte)(1 << random.Next(8));
                return flipped;
            case AttackKind.Truncation:
                return frame[..(attack.Position % frame.Length)];
            case AttackKind.Extension:
                var tail = new byte[random.Next(1, 64)];
                random.NextBytes(tail);
                return [.. frame, .. tail];
            case AttackKind.Replay:
                return legitimate[accepted[attack.Position % accepted.Length]];
            case AttackKind.OtherKey:
                return otherKey[attack.Frame];
            default:
                return otherDirection[attack.Frame];
        }
    }
}
