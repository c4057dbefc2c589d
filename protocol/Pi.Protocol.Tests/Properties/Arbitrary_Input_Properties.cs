using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Pi.Protocol.Compat;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;
using Pi.Protocol.Tests.Mutation;

namespace Pi.Protocol.Tests.Properties;

/// <summary>
/// Arbitrary bytes and strings into every decoder: each succeeds or throws a ProtocolException with
/// a defined code; no other exception escapes.
/// </summary>
public sealed class Arbitrary_Input_Properties
{
    private static readonly string[] JsonTokens =
    [
        "{", "}", "[", "]", ",", ":", "\"type\"", "\"request\"", "\"error\"", "\"txn\"", "\"t1\"", "\"mac\"", "\"nonce\"", "\"tid\"",
        "\"code\"", "\"busy\"", "\"AAAAAAAAAAAAAAAAAAAAAA==\"", "\"2031-05-17T08:30:00Z\"", "1", "-1", "1e999", "4294967296", "null",
        "true", "\"\\ud800\"", "\"\\u0000\"", " ", "\"", "\\",
    ];

    /// <summary>Random bytes, and random bytes behind the magic and version of a frame or an envelope, and JSON-like token soup.</summary>
    private static Gen<byte[]> Bytes { get; } = Gen.Frequency(
        (3, ArbMap.Default.GeneratorFor<byte[]>()),
        (2, Generators.Bytes(0, 300).Select(tail => (byte[])[0x50, 0x47, 0x02, .. tail])),
        (2, Generators.Bytes(0, 300).Select(tail => (byte[])[0x50, 0x45, 0x02, .. tail])),
        (1, Generators.Bytes(0, 300).Select(tail => (byte[])[0x50, 0x45, 0x02, 0x03, 0x00, .. tail])),
        (2, Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(Gen.Elements(JsonTokens), n)).Select(tokens => Encoding.UTF8.GetBytes(string.Concat(tokens)))));

    private static Gen<string> Strings { get; } = Gen.Frequency(
        (3, ArbMap.Default.GeneratorFor<string>().Where(text => text is not null)),
        (1, ArbMap.Default.GeneratorFor<byte[]>().Select(Convert.ToBase64String)),
        (1, Bytes.Select(bytes => Encoding.UTF8.GetString(bytes))),
        (1, Generators.Text(0, 100)));

    [PiProperty(MaxTest = 500)]
    public Property Arbitrary_bytes_into_every_byte_decoder_throw_only_protocol_errors() =>
        Prop.ForAll(Bytes.ToArbitrary(), bytes =>
        {
            var key = Samples.Key(70);
            foreach (var role in Enum.GetValues<ProvisioningRole>())
            {
                foreach (var transport in Enum.GetValues<ProvisioningTransport>())
                {
                    using var channel = new ProvisioningChannel(key, role, transport, openMode: false);
                    var max = transport == ProvisioningTransport.Datagram ? ProvisioningFrame.MaxDatagramSize : ProvisioningFrame.DefaultMaxStreamFrameSize;
                    OnlyProtocolErrors($"ProvisioningChannel.Open ({role}, {transport})", bytes, () => channel.Open(ProvisioningFrame.Parse(bytes, max)));
                }
            }
            OnlyProtocolErrors("ProvisioningFrame.Parse", bytes, () => ProvisioningFrame.Parse(bytes));
            OnlyProtocolErrors("StreamFrameDecoder.Push", bytes, () => new StreamFrameDecoder().Push(bytes));
            OnlyProtocolErrors("StreamFrameDecoder.Push with a 4-byte prefix", bytes, () => new StreamFrameDecoder().Push([0, 0, (byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes]));
            OnlyProtocolErrors("SessionEnvelope.ReadHeader", bytes, () => SessionEnvelope.ReadHeader(bytes));
            foreach (var mode in Enum.GetValues<ReplayMode>())
            {
                using var opener = new EnvelopeOpener(key, 0, Direction.GatewayToCloud, mode: mode);
                OnlyProtocolErrors($"EnvelopeOpener.Open ({mode})", bytes, () => opener.Open(bytes));
                OnlyProtocolErrors($"EnvelopeOpener.OpenMessage ({mode})", bytes, () => opener.OpenMessage(bytes));
                Assert.Null(opener.HighestAccepted);
            }
            OnlyProtocolErrors("CloudLogin.ReadRequestHeader", bytes, () => CloudLogin.ReadRequestHeader(bytes));
            OnlyProtocolErrors("CloudLogin.OpenRequest", bytes, () => CloudLogin.OpenRequest(bytes, Samples.Tid, key, 0, Samples.Bytes(16, 1)));
            using (var login = new GatewayLogin(Samples.Tid, new SecretString("0123456789abcdef"), key, 0, new LoginChallenge(Samples.Tid, Samples.Bytes(16, 1), DateTimeOffset.UnixEpoch)))
            {
                OnlyProtocolErrors("GatewayLogin.OpenReply", bytes, () => login.OpenReply(bytes));
            }
            for (var type = 0; type <= 10; type++)
            {
                OnlyProtocolErrors($"ProtocolJson.DeserializeProvisioning ({type})", bytes, () => ProtocolJson.DeserializeProvisioning((ProvisioningFrameType)type, bytes));
            }
            OnlyProtocolErrors("ProtocolJson.DeserializeSession", bytes, () => ProtocolJson.DeserializeSession(bytes));
            OnlyProtocolErrors("ProtocolJson.Deserialize<LoginChallengeRequest>", bytes, () => ProtocolJson.Deserialize<LoginChallengeRequest>(bytes));
            OnlyProtocolErrors("ProtocolJson.Deserialize<LoginChallenge>", bytes, () => ProtocolJson.Deserialize<LoginChallenge>(bytes));
            OnlyProtocolErrors("ProtocolJson.Deserialize<LoginRequest>", bytes, () => ProtocolJson.Deserialize<LoginRequest>(bytes));
            OnlyProtocolErrors("ProtocolJson.Deserialize<LoginReply>", bytes, () => ProtocolJson.Deserialize<LoginReply>(bytes));
            OnlyProtocolErrors("ProtocolJson.Deserialize<LinkHello>", bytes, () => ProtocolJson.Deserialize<LinkHello>(bytes));
            OnlyProtocolErrors("ProtocolJson.Deserialize<LinkWelcome>", bytes, () => ProtocolJson.Deserialize<LinkWelcome>(bytes));
            OnlyProtocolErrors("new SymmetricKey", bytes, () => new SymmetricKey(bytes));
            OnlyProtocolErrors("EphemeralKeyPair.ValidatePublicKey", bytes, () => EphemeralKeyPair.ValidatePublicKey(bytes));
            OnlyProtocolErrors("KeyDerivation.DeriveSearchKey", bytes, () => KeyDerivation.DeriveSearchKey(bytes, ProvisioningSecret.OpenMode));
        });

    [PiProperty(MaxTest = 300)]
    public Property Arbitrary_65_byte_points_are_refused_as_invalid_public_keys_or_accepted()
    {
        // A key pair of this test's own: ECDiffieHellman instances are not documented as thread-safe.
        var pair = EphemeralKeyPair.FromPrivateKey(Samples.Bytes(32, 71));
        return Prop.ForAll(Generators.Bytes(64, 64).ToArbitrary(), coordinates =>
        {
            byte[] point = [0x04, .. coordinates];
            OnlyProtocolErrors("EphemeralKeyPair.ValidatePublicKey", point, () => EphemeralKeyPair.ValidatePublicKey(point));
            OnlyProtocolErrors("EphemeralKeyPair.DeriveSharedSecret", point, () => pair.DeriveSharedSecret(point));
        });
    }

    [PiProperty(MaxTest = 1000)]
    public Property Arbitrary_strings_into_every_text_decoder_throw_only_protocol_errors() =>
        Prop.ForAll(Strings.ToArbitrary(), text =>
        {
            OnlyProtocolErrors("SeedCbc.Decrypt", text, () => SeedCbc.Decrypt(text, "0123456789abcdef0123456789abcdef"));
            OnlyProtocolErrors("SeedCbc.Decrypt with the text as key", text, () => SeedCbc.Decrypt("AAAAAAAAAAAAAAAAAAAAAA==", text));
            OnlyProtocolErrors("SetupCode.Parse", text, () => SetupCode.Parse(text));
            OnlyProtocolErrors("SetupCode.TryParse", text, () => SetupCode.TryParse(text, out _, out _));
            OnlyProtocolErrors("Topics.Parse", text, () => Pi.Protocol.Topics.Topics.Parse(text));
            OnlyProtocolErrors("SymmetricKey.Parse", text, () => SymmetricKey.Parse(text));
            OnlyProtocolErrors("ProtocolErrors.TryParse", text, () => ProtocolErrors.TryParse(text, out _));
        });

    /// <summary>Runs one decoder: success, or a ProtocolException with a defined code; anything else fails.</summary>
    internal static void OnlyProtocolErrors(string decoder, object input, Action decode)
    {
        try
        {
            decode();
        }
        catch (ProtocolException ex)
        {
            Assert.True(ProtocolErrors.All.Contains(ex.Code), $"{decoder}: undefined code {(int)ex.Code}");
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            var shown = input is byte[] bytes ? Fuzz.Hex(bytes) : Fuzz.Show((string)input);
            Assert.Fail($"{decoder}: {ex.GetType().FullName} escaped for input {shown}: {ex}");
        }
    }

    private static void OnlyProtocolErrors<T>(string decoder, object input, Func<T> decode) =>
        OnlyProtocolErrors(decoder, input, () => { _ = decode(); });
}
