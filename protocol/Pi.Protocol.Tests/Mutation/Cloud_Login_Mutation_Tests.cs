using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;
using Xunit.Abstractions;
using static Pi.Protocol.Errors.ProtocolErrorCode;

namespace Pi.Protocol.Tests.Mutation;

/// <summary>
/// CloudLogin.OpenRequest over mutated login requests (and original requests opened with the
/// wrong tid, key id or challenge): only an original request with the right arguments opens.
/// </summary>
public sealed class Cloud_Login_Mutation_Tests(ITestOutputHelper output)
{
    private const string Tid = Samples.Tid;
    private const uint KeyId = Session_Envelope_Header_Mutation_Tests.KeyId;

    /// <summary>A request envelope and the arguments it is opened with.</summary>
    internal sealed record LoginInput(byte[] Envelope, string Tid, uint KeyId, byte[] Challenge, ProtocolErrorCode? ArgumentError)
    {
        public override string ToString() => $"envelope {Fuzz.Hex(Envelope)} tid {Tid} key id {KeyId} challenge {Fuzz.Hex(Challenge)}";
    }

    [Fact]
    public void Only_an_original_request_with_the_right_arguments_opens()
    {
        var accessKey = Samples.Key(40);
        var challenge = Samples.Bytes(16, 41);
        var requests = new List<byte[]>();
        foreach (var password in new[] { "0123456789abcdef", "a much longer password of sixty-four characters, more or less ok", "pässwörd-ünicode-0123" })
        {
            requests.Add(Seal(Tid, password, accessKey, KeyId, challenge));
        }
        var legitimate = requests.Count;
        requests.Add(Seal("gw-other", "0123456789abcdef", accessKey, KeyId, challenge));
        requests.Add(Seal(Tid, "0123456789abcdef", accessKey, KeyId + 1, challenge));
        requests.Add(Seal(Tid, "0123456789abcdef", accessKey, KeyId, Samples.Bytes(16, 42)));
        var mutator = new ByteMutator(requests, Session_Envelope_Header_Mutation_Tests.Fields, hotBytes: 20, maxExtension: CloudLogin.MaxLoginEnvelopeSize + 64);
        (string Tid, uint KeyId, byte[] Challenge, ProtocolErrorCode Error)[] wrongArguments =
        [
            (Tid, KeyId, challenge[..15], InvalidField),
            (Tid, KeyId, [.. challenge, 0], InvalidField),
            (Tid, KeyId, Samples.Bytes(16, 43), AuthenticationFailed),
            ("gw/0001", KeyId, challenge, InvalidId),
            ("", KeyId, challenge, InvalidId),
            ("gw-0002", KeyId, challenge, IdMismatch),
            (Tid, KeyId ^ 0x8000_0000, challenge, KeyIdMismatch),
        ];
        var run = new FuzzRun("CloudLogin.OpenRequest", output);
        LoginRequest? opened = null;

        run.Run<LoginInput>(
            Fuzz.Cases,
            (rng, index) =>
            {
                var original = requests[rng.Next(legitimate)];
                switch (rng.Next(40))
                {
                    case 0:
                        return new(new LoginInput(original, Tid, KeyId, challenge, null), "original");
                    case 1:
                        var (tid, keyId, wrong, error) = wrongArguments[rng.Next(wrongArguments.Length)];
                        return new(new LoginInput(original, tid, keyId, wrong, error), $"original with wrong arguments (expect {ProtocolErrors.Name(error)})");
                    default:
                        var item = mutator.Next(rng, index);
                        return new(new LoginInput(item.Input, Tid, KeyId, challenge, null), item.Description);
                }
            },
            input =>
            {
                opened = null;
                opened = CloudLogin.OpenRequest(input.Envelope, input.Tid, accessKey, input.KeyId, input.Challenge);
                return Outcome.Success();
            },
            (item, outcome) =>
            {
                var input = item.Input;
                if (input.ArgumentError is { } expected)
                {
                    return outcome.Code == expected ? null : $"expected {ProtocolErrors.Name(expected)}";
                }
                if (!mutator.IsOriginal(input.Envelope))
                {
                    return outcome.IsSuccess ? "a mutated request opened"
                        : Envelope_Opener_Mutation_Tests.Explains(input.Envelope, new ReplayModel(strict: false), CloudLogin.MaxLoginEnvelopeSize, Tid).Contains(outcome.Code!.Value) ? null
                        : "no rule explains it";
                }
                return !outcome.IsSuccess ? "an original request did not open"
                    : opened!.Tid != Tid || !opened.Challenge.AsSpan().SequenceEqual(challenge) ? "the request's tid or challenge differs"
                    : null;
            },
            input => 32_768 + (3L * input.Envelope.Length));

        run.AssertReached(
            FrameTooLarge, Truncated, BadMagic, UnsupportedVersion, WrongDirection, ReservedFlags, InvalidId,
            KeyIdMismatch, IdMismatch, AuthenticationFailed, InvalidField);
        run.AssertReached("ok");
    }

    private static byte[] Seal(string tid, string password, SymmetricKey accessKey, uint keyId, byte[] challenge)
    {
        using var login = new GatewayLogin(tid, new SecretString(password), accessKey, keyId, new LoginChallenge(tid, challenge, DateTimeOffset.UnixEpoch));
        return login.SealRequest();
    }
}
