using Microsoft.Extensions.Logging;
using Pi.Cloud.Accounts;
using Pi.Cloud.Operations;
using Pi.Cloud.Sessions;
using Pi.Cloud.Store;
using Pi.Protocol;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Login;

/// <summary>The result of a login attempt: the sealed reply, or why not.</summary>
public sealed record LoginOutcome(byte[]? Reply, ProtocolErrorCode? Error, string? Detail, TimeSpan? RetryAfter = null)
{
    internal static LoginOutcome Fail(ProtocolErrorCode code, string detail, TimeSpan? retryAfter = null) => new(null, code, detail, retryAfter);
}

/// <summary>
/// S301-S401: authenticates a gateway's login sealed under the login key of its accesskey and a
/// single-use challenge, then starts a new session with a fresh random sessionkey. An unknown tid
/// costs the same work and gets the same answer as a wrong password. Failures are throttled per
/// tid and per source address and change nothing stored.
/// </summary>
public sealed partial class GatewayLoginService
{
    private readonly ICloudStore _store;
    private readonly LoginChallenges _challenges;
    private readonly LoginThrottle _throttle;
    private readonly SessionRegistry _sessions;
    private readonly PendingReplies _pending;
    private readonly DownLink _down;
    private readonly PasswordHasher _passwords;
    private readonly CloudUrls _urls;
    private readonly CloudMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<GatewayLoginService> _logger;

    public GatewayLoginService(
        ICloudStore store,
        LoginChallenges challenges,
        LoginThrottle throttle,
        SessionRegistry sessions,
        PendingReplies pending,
        DownLink down,
        PasswordHasher passwords,
        CloudUrls urls,
        CloudMetrics metrics,
        TimeProvider time,
        ILogger<GatewayLoginService> logger)
    {
        _store = store;
        _challenges = challenges;
        _throttle = throttle;
        _sessions = sessions;
        _pending = pending;
        _down = down;
        _passwords = passwords;
        _urls = urls;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Step 1-2: a challenge for a tid (issued for unknown tids too).</summary>
    public LoginOutcome? TryIssueChallenge(string tid, string source, out LoginChallenge? challenge)
    {
        challenge = null;
        if (!Identifiers.IsValid(tid.AsSpan()))
        {
            return LoginOutcome.Fail(ProtocolErrorCode.InvalidId, "tid must be 1 to 64 characters of [A-Za-z0-9_-]");
        }
        if (Throttled(tid, source) is { } retry)
        {
            return LoginOutcome.Fail(ProtocolErrorCode.RateLimited, "too many failed logins; try again later", retry);
        }
        challenge = _challenges.Issue(tid);
        return challenge is null ? LoginOutcome.Fail(ProtocolErrorCode.RateLimited, "too many logins in progress; try again later", TimeSpan.FromSeconds(5)) : null;
    }

    /// <summary>Steps 3-5: opens the login request, checks everything, starts a session and seals the reply.</summary>
    public async Task<LoginOutcome> LoginAsync(ReadOnlyMemory<byte> envelope, byte[] challenge, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        if (_throttle.RetryAfter(SourceKey(source)) is { } sourceRetry)
        {
            return Refused("rate_limited", LoginOutcome.Fail(ProtocolErrorCode.RateLimited, "too many failed logins; try again later", sourceRetry));
        }
        Protocol.Envelopes.EnvelopeHeader header;
        try
        {
            header = CloudLogin.ReadRequestHeader(envelope.Span);
        }
        catch (ProtocolException e)
        {
            _throttle.Fail(SourceKey(source));
            return Refused(ProtocolErrors.Name(e.Code), LoginOutcome.Fail(e.Code, e.Message));
        }
        var tid = header.Tid!;
        if (_throttle.RetryAfter(TidKey(tid)) is { } tidRetry)
        {
            return Refused("rate_limited", LoginOutcome.Fail(ProtocolErrorCode.RateLimited, "too many failed logins; try again later", tidRetry));
        }

        // The challenge is used up by this attempt whatever its outcome.
        var challengeValid = _challenges.Consume(tid, challenge);
        var gateway = await _store.FindGatewayAsync(tid, cancellationToken).ConfigureAwait(false);
        var keys = gateway is null ? null : await _store.FindKeyPairAsync(tid, header.KeyId, cancellationToken).ConfigureAwait(false);
        if (gateway is null || keys is null || keys.State == KeyPairState.Retired)
        {
            // Same work as a real attempt: a slow hash, so timing does not tell which tids exist.
            _passwords.VerifyDummy("unknown");
            return Failed(tid, source, "bad_credentials", ProtocolErrorCode.BadCredentials, "tid or password is wrong");
        }
        if (!challengeValid)
        {
            _passwords.VerifyDummy("challenge");
            return Failed(tid, source, "session_expired", ProtocolErrorCode.SessionExpired, "the login challenge is unknown, used, expired or for another tid; fetch a new one");
        }

        var accessKey = new SymmetricKey(keys.AccessKey);
        LoginRequest request;
        try
        {
            request = CloudLogin.OpenRequest(envelope.Span, tid, accessKey, keys.KeyId, challenge);
        }
        catch (ProtocolException e)
        {
            _passwords.VerifyDummy("sealed");
            return e.Code is ProtocolErrorCode.AuthenticationFailed
                ? Failed(tid, source, "bad_credentials", ProtocolErrorCode.BadCredentials, "tid or password is wrong")
                : Failed(tid, source, ProtocolErrors.Name(e.Code), e.Code, e.Message);
        }
        if (!_passwords.Verify(request.Password.Reveal(), gateway.PasswordHash))
        {
            return Failed(tid, source, "bad_credentials", ProtocolErrorCode.BadCredentials, "tid or password is wrong");
        }

        var now = _time.GetUtcNow();
        if (now >= keys.ExpiresAt)
        {
            return Refused("key_expired", LoginOutcome.Fail(ProtocolErrorCode.KeyExpired, "the key pair has expired; re-register the gateway through the APP"));
        }
        if (now >= gateway.ServiceExpiresAt)
        {
            return Refused("service_expired", LoginOutcome.Fail(ProtocolErrorCode.ServiceExpired, "the gateway's service period has ended"));
        }
        if (keys.State == KeyPairState.Pending)
        {
            // The gateway stored the rotated keys but its keyRotationAck was lost: a login under
            // the new pair is proof enough, and from now on the old pair is refused.
            await _store.PromoteKeyPairAsync(tid, keys.KeyId, cancellationToken).ConfigureAwait(false);
        }
        _throttle.Reset(TidKey(tid));

        var (session, sessionKey, token, replaced) = _sessions.Start(tid);
        if (replaced is not null)
        {
            _pending.FailAll(tid, ProtocolErrorCode.Offline, "the gateway logged in again");
        }
        await _down.Broker.AdmitAsync(tid, token, cancellationToken).ConfigureAwait(false);
        var reply = new LoginReply(session.KeyId, sessionKey, new SecretString(token), session.ExpiresAt, keys.ExpiresAt, gateway.ServiceExpiresAt, _urls.MqttUrl);
        _metrics.Login("success");
        LogLoggedIn(_logger, tid, session.KeyId, replaced?.KeyId);
        return new LoginOutcome(CloudLogin.SealReply(reply, tid, accessKey, keys.KeyId, challenge), null, null);
    }

    private TimeSpan? Throttled(string tid, string source) =>
        _throttle.RetryAfter(SourceKey(source)) ?? _throttle.RetryAfter(TidKey(tid));

    private LoginOutcome Failed(string tid, string source, string reason, ProtocolErrorCode code, string detail)
    {
        _throttle.Fail(TidKey(tid));
        _throttle.Fail(SourceKey(source));
        LogLoginFailed(_logger, tid, source, reason);
        return Refused(reason, LoginOutcome.Fail(code, detail));
    }

    private LoginOutcome Refused(string reason, LoginOutcome outcome)
    {
        _metrics.Login(reason);
        _metrics.Refused(reason, "http");
        return outcome;
    }

    private static string TidKey(string tid) => "tid:" + tid;

    private static string SourceKey(string source) => "ip:" + source;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Gateway {Tid} logged in: session {KeyId} (replaced {ReplacedKeyId})")]
    private static partial void LogLoggedIn(ILogger logger, string tid, uint keyId, uint? replacedKeyId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Login of {Tid} from {Source} refused: {Reason}")]
    private static partial void LogLoginFailed(ILogger logger, string tid, string source, string reason);
}
