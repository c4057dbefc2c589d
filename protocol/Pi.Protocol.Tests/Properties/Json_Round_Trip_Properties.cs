using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Tests.Properties;

/// <summary>
/// Every valid message encodes, decodes to an equal message, and encodes to the same bytes again.
/// (Records holding byte arrays or JSON values compare by reference, so equality is checked on
/// the encoding as well as, where it is meaningful, on the record.)
/// </summary>
public sealed class Json_Round_Trip_Properties
{
    [PiProperty(MaxTest = 1000)]
    public Property Provisioning_messages_round_trip() =>
        Prop.ForAll(Message_Generators.Provisioning.ToArbitrary(), message =>
        {
            var json = ProtocolJson.Serialize(message);
            var decoded = ProtocolJson.DeserializeProvisioning(message.FrameType, json);
            Assert.Equal(message.GetType(), decoded.GetType());
            Assert.Equal(Show(json), Show(ProtocolJson.Serialize(decoded)));
            if (message is not SearchDevice)
            {
                Assert.Equal(message, decoded);
            }
        });

    [PiProperty(MaxTest = 1000)]
    public Property Session_messages_round_trip() =>
        Prop.ForAll(Message_Generators.Session.ToArbitrary(), message =>
        {
            var json = ProtocolJson.Serialize(message);
            var decoded = ProtocolJson.DeserializeSession(json);
            Assert.Equal(message.GetType(), decoded.GetType());
            Assert.Equal(Show(json), Show(ProtocolJson.Serialize(decoded)));
            if (message is not (SessionRequest or SessionResponse))
            {
                Assert.Equal(message, decoded);
            }
        });

    [PiProperty(MaxTest = 1000)]
    public Property Login_and_link_messages_round_trip() =>
        Prop.ForAll(Message_Generators.LoginAndLink.ToArbitrary(), message =>
        {
            var (json, again) = message switch
            {
                LoginChallengeRequest m => RoundTrip(m),
                LoginChallenge m => RoundTrip(m),
                LoginRequest m => RoundTrip(m),
                LoginReply m => RoundTrip(m),
                LinkHello m => RoundTrip(m),
                LinkWelcome m => RoundTrip(m),
                _ => throw new ArgumentException(message.GetType().Name, nameof(message)),
            };
            Assert.Equal(Show(json), Show(again));
        });

    [PiProperty(MaxTest = 300)]
    public Property Provisioning_messages_survive_their_channel() =>
        Prop.ForAll(
            Message_Generators.Provisioning.Where(m => ProtocolJson.Serialize(m).Length < 1200).ToArbitrary(),
            message =>
            {
                var (sender, transport) = Routes.First(route => ProvisioningChannel.IsAllowed(route.Sender, route.Transport, message.FrameType));
                var receiver = sender == ProvisioningRole.App ? ProvisioningRole.Gateway : ProvisioningRole.App;
                var key = Mutation.Samples.Key(60);
                using var sending = new ProvisioningChannel(key, sender, transport, openMode: false);
                using var receiving = new ProvisioningChannel(key, receiver, transport, openMode: false);
                var needsKey = transport == ProvisioningTransport.Datagram || sender == ProvisioningRole.App;
                var wire = sending.Seal(message, needsKey ? Mutation.Samples.PublicKey : default);
                var frame = transport == ProvisioningTransport.Datagram
                    ? ProvisioningFrame.Parse(wire)
                    : Assert.Single(new StreamFrameDecoder().Push(wire));
                Assert.Equal(Show(ProtocolJson.Serialize(message)), Show(ProtocolJson.Serialize(receiving.Open(frame))));
            });

    private static readonly (ProvisioningRole Sender, ProvisioningTransport Transport)[] Routes =
    [
        (ProvisioningRole.App, ProvisioningTransport.Datagram), (ProvisioningRole.Gateway, ProvisioningTransport.Datagram),
        (ProvisioningRole.App, ProvisioningTransport.Stream), (ProvisioningRole.Gateway, ProvisioningTransport.Stream),
    ];

    private static (byte[] Json, byte[] Again) RoundTrip<T>(T message)
        where T : class, IProtocolMessage
    {
        var json = ProtocolJson.Serialize(message);
        var decoded = ProtocolJson.Deserialize<T>(json);
        return (json, ProtocolJson.Serialize(decoded));
    }

    private static string Show(byte[] json) => Encoding.UTF8.GetString(json);
}
