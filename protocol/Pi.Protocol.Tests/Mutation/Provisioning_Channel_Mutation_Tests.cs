using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;
using Xunit.Abstractions;
using static Pi.Protocol.Errors.ProtocolErrorCode;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>ProvisioningChannel.Open over datagrams: the APP opens the gateway's deviceInfo and error frames.</summary>
public sealed class Provisioning_Channel_Datagram_Mutation_Tests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_datagrams_never_open_and_never_change_the_channel()
    {
        var key = Samples.Key(30);
        using var gateway = new ProvisioningChannel(key, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false);
        var legitimate = new List<(byte[] Frame, ProvisioningMessage Message)>();
        for (var i = 0; i < 12; i++)
        {
            ProvisioningMessage message = i % 3 == 2 ? Samples.Provisioning[15 + (i % 2)] : Samples.Provisioning[2 + (i % 2)];
            legitimate.Add((gateway.Seal(message, Samples.PublicKey), message));
        }
        using var app = new ProvisioningChannel(key, ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);
        using var openGateway = new ProvisioningChannel(key, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: true);
        byte[][] foreign = [app.Seal(Samples.Provisioning[1], Samples.PublicKey), openGateway.Seal(Samples.Provisioning[2], Samples.PublicKey)];

        ChannelMutation.Run(output, "ProvisioningChannel.Open (datagram)", key, ProvisioningRole.App, ProvisioningTransport.Datagram, legitimate, foreign, heldBack: [2, 7, 11]);
    }
}

/// <summary>ProvisioningChannel.Open on the stream: the gateway opens the APP's frames (the first one carries the key).</summary>
public sealed class Provisioning_Channel_Stream_Mutation_Tests(ITestOutputHelper output)
{
    [Fact]
    public void Mutated_stream_frames_never_open_and_never_change_the_channel()
    {
        var key = Samples.Key(31);
        using var app = new ProvisioningChannel(key, ProvisioningRole.App, ProvisioningTransport.Stream, openMode: false);
        ProvisioningMessage[] messages = [Samples.Provisioning[4], Samples.Provisioning[5], Samples.Provisioning[8], Samples.Provisioning[9], Samples.Provisioning[12], Samples.Provisioning[13], Samples.Provisioning[16], Samples.Provisioning[4], Samples.Provisioning[8], Samples.Provisioning[15]];
        var legitimate = messages
            .Select((message, i) => (app.Seal(message, i == 0 ? Samples.PublicKey : default)[StreamFrameDecoder.LengthPrefixSize..], message))
            .ToList();
        using var gateway = new ProvisioningChannel(key, ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: false);
        using var openApp = new ProvisioningChannel(key, ProvisioningRole.App, ProvisioningTransport.Stream, openMode: true);
        byte[][] foreign =
        [
            gateway.Seal(Samples.Provisioning[7])[StreamFrameDecoder.LengthPrefixSize..],
            openApp.Seal(Samples.Provisioning[4], Samples.PublicKey)[StreamFrameDecoder.LengthPrefixSize..],
        ];

        ChannelMutation.Run(output, "ProvisioningChannel.Open (stream)", key, ProvisioningRole.Gateway, ProvisioningTransport.Stream, legitimate, foreign, heldBack: [7, 8, 9]);
    }
}

/// <summary>The shared body of the two channel mutation tests.</summary>
internal static class ChannelMutation
{
    /// <summary>The channel's receive state: the highest accepted counter and whether the peer's first frame arrived.</summary>
    public static (ulong? Highest, bool PeerSentFirst) State(ProvisioningChannel channel) =>
        (channel.HighestAccepted, channel.HasReceived);

    public static void Run(
        ITestOutputHelper output,
        string decoder,
        SymmetricKey key,
        ProvisioningRole self,
        ProvisioningTransport transport,
        List<(byte[] Frame, ProvisioningMessage Message)> legitimate,
        byte[][] foreign,
        int[] heldBack)
    {
        var maxFrame = transport == ProvisioningTransport.Datagram ? ProvisioningFrame.MaxDatagramSize : ProvisioningFrame.DefaultMaxStreamFrameSize;
        using var channel = new ProvisioningChannel(key, self, transport, openMode: false);
        var window = new ReplayModel(strict: transport == ProvisioningTransport.Stream);
        for (var counter = 0; counter < legitimate.Count; counter++)
        {
            if (!heldBack.Contains(counter))
            {
                channel.Open(ProvisioningFrame.Parse(legitimate[counter].Frame, maxFrame));
                window.Accept((ulong)counter);
            }
        }
        var state = State(channel);
        Assert.Equal(window.Highest, state.Highest);

        var corpus = legitimate.Select(item => item.Frame).Concat(foreign);
        var mutator = new ByteMutator(corpus, Provisioning_Frame_Parse_Mutation_Tests.Fields(maxFrame), hotBytes: ProvisioningFrame.HeaderSize + 1, maxExtension: maxFrame + 64);
        var run = new FuzzRun(decoder, output);
        run.Run(
            Fuzz.Cases,
            mutator.Next,
            bytes =>
            {
                channel.Open(ProvisioningFrame.Parse(bytes, maxFrame));
                return Outcome.Success();
            },
            (item, outcome) =>
                State(channel) != state ? $"the channel state moved from {state} to {State(channel)}"
                : outcome.IsSuccess ? "a mutated frame opened"
                : Explains(item.Input, maxFrame, channel, window).Contains(outcome.Code!.Value) ? null
                : $"no rule explains it; allowed: {WireModels.Names(Explains(item.Input, maxFrame, channel, window))}",
            bytes => 16_384 + (3L * bytes.Length));

        foreach (var counter in heldBack)
        {
            var message = channel.Open(ProvisioningFrame.Parse(legitimate[counter].Frame, maxFrame));
            Assert.Equal(ProtocolJson.Serialize(legitimate[counter].Message), ProtocolJson.Serialize(message));
        }
        Assert.Equal((ulong)heldBack.Max(), State(channel).Highest);
        run.AssertReached(
            FrameTooLarge, Truncated, BadMagic, UnsupportedVersion, UnknownFrameType, ReservedFlags, LengthMismatch,
            InvalidPublicKey, UnexpectedFrame, SecurityModeMismatch, Replayed, AuthenticationFailed);
    }

    /// <summary>The frame model's violations, or else the channel's rules and, always, a failed tag.</summary>
    private static HashSet<ProtocolErrorCode> Explains(byte[] bytes, int maxFrame, ProvisioningChannel channel, ReplayModel window)
    {
        var violations = WireModels.Frame(bytes, maxFrame);
        if (violations.Count > 0)
        {
            return violations;
        }
        var allowed = new HashSet<ProtocolErrorCode> { AuthenticationFailed };
        var sender = (ProvisioningRole)bytes[5];
        // From the spec's table: the gateway's datagrams are deviceInfo (2) or error (9); the APP's
        // stream frames are getSsidList (3), wifiCredentials (5), registrationInfo (7) or error (9).
        var allowedTypes = channel.Transport == ProvisioningTransport.Datagram ? new byte[] { 2, 9 } : [3, 5, 7, 9];
        if (sender != channel.Peer || !allowedTypes.Contains(bytes[3]))
        {
            allowed.Add(UnexpectedFrame);
        }
        if ((bytes[4] & 1) != 0)
        {
            allowed.Add(SecurityModeMismatch);
        }
        var payloadRequired = channel.Transport == ProvisioningTransport.Datagram || (channel.Peer == ProvisioningRole.App && !State(channel).PeerSentFirst);
        if (payloadRequired != (bytes[15] != 0))
        {
            allowed.Add(UnexpectedFrame);
        }
        if (!window.CanAccept(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(6))))
        {
            allowed.Add(Replayed);
        }
        return allowed;
    }
}
