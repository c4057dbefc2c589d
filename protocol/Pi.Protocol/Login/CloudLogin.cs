using System.Security.Cryptography;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Login;

/// <summary>
/// The cloud's half of one login (S301-S401): open the request with the login key of the tid's
/// accesskey and the challenge issued to it, and seal the reply under the same key.
/// </summary>
public static class CloudLogin
{
    /// <summary>
    /// Reads the header of a login request without opening it, so the cloud can look up the
    /// accesskey (by tid and key id) and the challenge it issued.
    /// </summary>
    /// <exception cref="ProtocolException">Not a gateway-to-cloud envelope naming a tid.</exception>
    public static EnvelopeHeader ReadRequestHeader(ReadOnlySpan<byte> envelope)
    {
        var header = SessionEnvelope.ReadHeader(envelope, MaxLoginEnvelopeSize);
        if (header.Direction != Direction.GatewayToCloud)
        {
            throw new ProtocolException(ProtocolErrorCode.WrongDirection, "a login request travels gateway to cloud");
        }
        if (header.Tid is null || header.Did is not null)
        {
            throw new ProtocolException(ProtocolErrorCode.InvalidId, "a login request names the gateway's tid and no did");
        }
        return header;
    }

    /// <summary>Largest login envelope accepted.</summary>
    public const int MaxLoginEnvelopeSize = 4096;

    /// <summary>Opens a login request and checks it answers <paramref name="challenge"/>.</summary>
    /// <exception cref="ProtocolException">
    /// Not authentic under this accesskey and challenge (<see cref="ProtocolErrorCode.AuthenticationFailed"/>), another
    /// key id or tid, or a request that names another challenge (<see cref="ProtocolErrorCode.SessionExpired"/>).
    /// </exception>
    public static LoginRequest OpenRequest(ReadOnlySpan<byte> envelope, string tid, SymmetricKey accessKey, uint accessKeyId, ReadOnlySpan<byte> challenge)
    {
        var loginKey = KeyDerivation.DeriveLoginKey(accessKey, challenge, tid);
        using var opener = new EnvelopeOpener(loginKey, accessKeyId, Direction.GatewayToCloud, tid: tid, maxSize: MaxLoginEnvelopeSize);
        var opened = opener.Open(envelope);
        var request = ProtocolJson.Deserialize<LoginRequest>(opened.Plaintext);
        if (!string.Equals(request.Tid, tid, StringComparison.Ordinal))
        {
            throw new ProtocolException(ProtocolErrorCode.IdMismatch, "the request names another tid");
        }
        if (!CryptographicOperations.FixedTimeEquals(request.Challenge, challenge))
        {
            throw new ProtocolException(ProtocolErrorCode.SessionExpired, "the request answers another challenge");
        }
        return request;
    }

    /// <summary>Seals the login reply (carrying the new sessionkey) under the same login key.</summary>
    public static byte[] SealReply(LoginReply reply, string tid, SymmetricKey accessKey, uint accessKeyId, ReadOnlySpan<byte> challenge)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var loginKey = KeyDerivation.DeriveLoginKey(accessKey, challenge, tid);
        using var sealer = new EnvelopeSealer(loginKey, accessKeyId, Direction.CloudToGateway);
        return sealer.Seal(ProtocolJson.Serialize(reply), tid);
    }
}
