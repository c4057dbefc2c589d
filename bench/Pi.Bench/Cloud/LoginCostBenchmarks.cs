using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Pi.Bench.Smoke;
using Pi.Cloud.Accounts;
using Pi.Cloud.Options;
using Pi.Protocol.Crypto;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;

namespace Pi.Bench.Cloud;

/// <summary>
/// The CPU one gateway login costs the cloud, without the store and HTTP: the password check with
/// <c>PasswordHasher</c> at the configured PBKDF2-HMAC-SHA256 cost (<c>CloudOptions</c>' default,
/// 100,000 iterations), <c>VerifyDummy</c> (what an unknown tid or a bad envelope costs), and the
/// whole sequence <c>GatewayLoginService.LoginAsync</c> runs for a good login. The baseline is the
/// login's cryptography without the password hash: <c>CloudLogin.OpenRequest</c> (derive the login
/// key, open the request, decode it) and <c>CloudLogin.SealReply</c> (derive the key again, encode
/// and seal the reply).
/// </summary>
/// <remarks>
/// The request is sealed once, up front, by a <c>GatewayLogin</c>; <c>OpenRequest</c> builds a new
/// receiver on every call, so the same envelope opens every time. Starting the session (a random
/// sessionkey and token, a few microseconds) is left out: the reply is prepared once.
/// </remarks>
[MemoryDiagnoser]
public class LoginCostBenchmarks : ISmokeCheck
{
    private const uint AccessKeyId = 7;

    private PasswordHasher _hasher = null!;
    private SymmetricKey _accessKey = null!;
    private byte[] _challenge = [];
    private SecretString _password = null!;
    private string _stored = "";
    private byte[] _request = [];
    private LoginReply _reply = null!;

    /// <summary>The hasher with the cloud's default options, the gateway's stored hash, a sealed request and the reply.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _hasher = new PasswordHasher(Options.Create(new CloudOptions()));
        _accessKey = Fixtures.AgreeKey();
        _challenge = RandomNumberGenerator.GetBytes(KeyDerivation.NonceSize);
        _password = new SecretString("Vq7-mR2x_Lw9pK4t-Zc8nB3y_Hd6fJ5s");
        _stored = _hasher.Hash(_password.Reveal());
        // Whole seconds, so the reply's times survive the JSON round trip the smoke check makes.
        var now = new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero);
        using (var gateway = NewGatewayLogin(now))
        {
            _request = gateway.SealRequest();
        }
        _reply = new LoginReply(
            SessionKeyId: 0x5A17C0DE,
            SessionKey: SymmetricKey.Generate(),
            SessionToken: new SecretString(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=')),
            SessionExpiresAt: now.AddHours(24),
            KeyExpiresAt: now.AddDays(365),
            ServiceExpiresAt: now.AddDays(3 * 365),
            MqttUrl: "mqtts://cloud.pi-gateway.example:8883");
    }

    /// <summary>CloudLogin.OpenRequest then CloudLogin.SealReply: the login's cryptography without the password hash.</summary>
    [Benchmark(Baseline = true)]
    public byte[] OpenRequestSealReply()
    {
        var request = CloudLogin.OpenRequest(_request, Fixtures.Tid, _accessKey, AccessKeyId, _challenge);
        GC.KeepAlive(request);
        return CloudLogin.SealReply(_reply, Fixtures.Tid, _accessKey, AccessKeyId, _challenge);
    }

    /// <summary>PasswordHasher.Verify of the right password against the stored hash.</summary>
    [Benchmark]
    public bool Verify() => _hasher.Verify(_password.Reveal(), _stored);

    /// <summary>PasswordHasher.VerifyDummy: the same work for an unknown tid, a used challenge or a bad envelope.</summary>
    [Benchmark]
    public bool VerifyDummy() => _hasher.VerifyDummy("unknown");

    /// <summary>OpenRequest, Verify of the password it carries, SealReply: a good login's CPU work.</summary>
    [Benchmark]
    public byte[] WholeLogin()
    {
        var request = CloudLogin.OpenRequest(_request, Fixtures.Tid, _accessKey, AccessKeyId, _challenge);
        if (!_hasher.Verify(request.Password.Reveal(), _stored))
        {
            throw new InvalidOperationException("the password did not verify");
        }
        return CloudLogin.SealReply(_reply, Fixtures.Tid, _accessKey, AccessKeyId, _challenge);
    }

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result)
    {
        switch (benchmark)
        {
            case nameof(Verify):
                SmokeAssert.Equal(true, result, benchmark);
                break;
            case nameof(VerifyDummy):
                SmokeAssert.Equal(false, result, benchmark);
                break;
            default:
                if (result is not byte[] envelope)
                {
                    throw new SmokeFailure($"{benchmark}: no reply envelope");
                }
                using (var gateway = NewGatewayLogin(_reply.SessionExpiresAt))
                {
                    SmokeAssert.Equal(_reply, gateway.OpenReply(envelope), $"{benchmark}: the reply the gateway opens");
                }
                SmokeAssert.Equal(100_000, _hasher.Iterations, $"{benchmark}: default PBKDF2 iterations");
                break;
        }
    }

    private GatewayLogin NewGatewayLogin(DateTimeOffset now) =>
        new(Fixtures.Tid, _password, _accessKey, AccessKeyId, new LoginChallenge(Fixtures.Tid, _challenge, now.AddMinutes(1)));
}
