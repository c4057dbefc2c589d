using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Login;

/// <summary>
/// The gateway's half of one login (S200-S401): seal the account and password under the login key
/// derived from the accesskey and the cloud's fresh challenge, then open the cloud's reply, which
/// carries the new sessionkey. One instance per challenge; it seals exactly once.
/// </summary>
public sealed class GatewayLogin : IDisposable
{
    private readonly string _tid;
    private readonly SecretString _password;
    private readonly byte[] _challenge;
    private readonly EnvelopeSealer _sealer;
    private readonly EnvelopeOpener _opener;
    private bool _sealed;

    /// <summary>Prepares a login.</summary>
    /// <param name="tid">The gateway's account.</param>
    /// <param name="password">Its password.</param>
    /// <param name="accessKey">The accesskey of the first key pair.</param>
    /// <param name="accessKeyId">The key id the cloud gave with that accesskey.</param>
    /// <param name="challenge">The challenge the cloud just issued for this tid.</param>
    public GatewayLogin(string tid, SecretString password, SymmetricKey accessKey, uint accessKeyId, LoginChallenge challenge)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(challenge);
        challenge.Validate();
        if (!string.Equals(challenge.Tid, tid, StringComparison.Ordinal))
        {
            throw new ProtocolException(ProtocolErrorCode.IdMismatch, "the challenge was issued for another tid");
        }
        _tid = tid;
        _password = password;
        _challenge = challenge.Challenge;
        var loginKey = KeyDerivation.DeriveLoginKey(accessKey, _challenge, tid);
        _sealer = new EnvelopeSealer(loginKey, accessKeyId, Direction.GatewayToCloud);
        _opener = new EnvelopeOpener(loginKey, accessKeyId, Direction.CloudToGateway, tid: tid);
    }

    /// <summary>The sealed login request (the HTTPS body). Only once per challenge.</summary>
    public byte[] SealRequest()
    {
        if (_sealed)
        {
            throw new InvalidOperationException("a login challenge is used once; ask the cloud for a new one");
        }
        _sealed = true;
        var request = new LoginRequest(_tid, _password, _challenge);
        return _sealer.Seal(ProtocolJson.Serialize(request), _tid);
    }

    /// <summary>Opens the cloud's sealed reply.</summary>
    /// <exception cref="ProtocolException">A reply that is not authentic, or not a valid loginReply.</exception>
    public LoginReply OpenReply(ReadOnlySpan<byte> envelope)
    {
        var opened = _opener.Open(envelope);
        return ProtocolJson.Deserialize<LoginReply>(opened.Plaintext);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sealer.Dispose();
        _opener.Dispose();
    }
}
