using Pi.Gateway.Core;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pi.Gateway.State;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Cloud;

/// <summary>Something the cloud side did that the gateway's state machine must hear about.</summary>
public enum CloudEventKind
{
    /// <summary>The session channel was lost (network, broker, or the cloud ended the session).</summary>
    SessionLost = 1,

    /// <summary>The cloud rotated the key pair and the gateway switched to it.</summary>
    KeysRotated = 2,

    /// <summary>A sub-device was added or removed.</summary>
    SubDevicesChanged = 3,
}

/// <summary>One cloud event, with a reason for people.</summary>
public sealed record CloudEvent(CloudEventKind Kind, string Detail);

/// <summary>
/// Answers the cloud's requests (commands). The gateway's own commands are answered here; the
/// sub-device bridge (a later part) answers those addressed to a did.
/// </summary>
public interface ICloudRequestHandler
{
    /// <summary>The answer to one request (its txn repeated).</summary>
    Task<SessionMessage> HandleAsync(SessionRequest request, string? did, CancellationToken cancellationToken);
}

/// <summary>
/// The gateway's cloud side, driven by the state machine's commands: log in (one attempt), open
/// the session channel (one attempt), reset-unbind, log out. While connected it answers the cloud:
/// heartbeats go out on a timer, key rotations are stored and acknowledged, sub-device keys are
/// stored and acknowledged, commands are handed to <see cref="ICloudRequestHandler"/>.
/// </summary>
public sealed partial class CloudClient : IAsyncDisposable
{
    private readonly IGatewayStateStore _store;
    private readonly CloudLoginClient _login;
    private readonly CloudTrust _trust;
    private readonly CloudClientOptions _options;
    private readonly ICloudRequestHandler _requests;
    private readonly TimeProvider _time;
    private readonly ILogger<CloudClient> _logger;
    private readonly SemaphoreSlim _stateLock = new(1, 1);
    private LoginReply? _session;
    private SessionCrypto? _crypto;
    private GatewayRegistration? _registration;
    private CloudSessionChannel? _channel;
    private CancellationTokenSource? _heartbeat;

    public CloudClient(
        IGatewayStateStore store,
        CloudLoginClient login,
        CloudTrust trust,
        IOptions<CloudClientOptions> options,
        ICloudRequestHandler requests,
        TimeProvider time,
        ILogger<CloudClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _login = login;
        _trust = trust;
        _options = options.Value;
        _requests = requests;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised for what the state machine must hear about.</summary>
    public event Action<CloudEvent>? Event;

    /// <summary>Raised with true when the session channel opened, false when it closed or was lost.</summary>
    public event Action<bool>? ConnectionChanged;

    /// <summary>True while the session channel is open.</summary>
    public bool IsConnected => _channel?.IsConnected == true;

    /// <summary>The current login's reply (key expiry, session expiry), if logged in.</summary>
    public LoginReply? Session => _session;

    /// <summary>
    /// One login attempt with the stored registration. A key pair pushed by a rotation whose
    /// acknowledgement may not have arrived is tried first; whichever pair the cloud accepts becomes
    /// the stored one.
    /// </summary>
    public async Task<LoginAttempt> LogInAsync(CancellationToken cancellationToken)
    {
        var loaded = await _store.LoadRegistrationAsync(cancellationToken).ConfigureAwait(false);
        if (loaded.Value is not { } registration)
        {
            return new LoginAttempt(null, LoginFailureKind.BadCredentials, "the gateway is not registered");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.LoginTimeout);
        var attempt = registration.PendingKeys is not null
            ? await _login.LogInAsync(registration, usePendingKeys: true, timeout.Token).ConfigureAwait(false)
            : null;
        if (attempt is null || attempt.Failure == LoginFailureKind.BadCredentials)
        {
            attempt = await _login.LogInAsync(registration, usePendingKeys: false, timeout.Token).ConfigureAwait(false);
        }
        if (attempt.Reply is { } reply)
        {
            if (attempt.UsedPendingKeys && registration.PendingKeys is { } pending)
            {
                registration = Promote(registration, pending);
                await _store.SaveRegistrationAsync(registration, cancellationToken).ConfigureAwait(false);
            }
            else if (registration.PendingKeys is not null)
            {
                // The cloud still knows only the current pair: the rotation will be pushed again.
                registration = registration with { PendingKeys = null };
                await _store.SaveRegistrationAsync(registration, cancellationToken).ConfigureAwait(false);
            }
            await DisconnectAsync().ConfigureAwait(false);
            EndSession();
            _registration = registration;
            _session = reply;
            _crypto = new SessionCrypto(registration.Tid, reply);
            LogLoggedIn(_logger, registration.Tid, reply.SessionKeyId);
        }
        else
        {
            LogLoginFailed(_logger, registration.Tid, attempt.Failure ?? LoginFailureKind.Transient, attempt.Detail ?? "");
        }
        return attempt;
    }

    /// <summary>Opens the session channel of the last login (one attempt).</summary>
    public async Task<(bool Connected, ConnectFailureKind? Failure, string? Detail)> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_session is not { } session || _registration is not { } registration || _crypto is not { } crypto)
        {
            return (false, ConnectFailureKind.Refused, "not logged in");
        }
        await DisconnectAsync().ConfigureAwait(false);
        var (channel, failure, detail) = await CloudSessionChannel.ConnectAsync(
            registration.Tid, session, crypto, _trust, _options, OnMessageAsync, _logger, cancellationToken).ConfigureAwait(false);
        if (channel is null)
        {
            if (failure == ConnectFailureKind.Refused)
            {
                EndSession(); // the session is over: the next step is a new login
            }
            LogConnectFailed(_logger, registration.Tid, failure ?? ConnectFailureKind.Unreachable, detail ?? "");
            return (false, failure, detail);
        }
        channel.Lost += reason =>
        {
            LogLost(_logger, registration.Tid, reason);
            ConnectionChanged?.Invoke(false);
            Event?.Invoke(new CloudEvent(CloudEventKind.SessionLost, reason));
        };
        _channel = channel;
        _heartbeat = new CancellationTokenSource();
        _ = HeartbeatAsync(channel, _heartbeat.Token);
        ConnectionChanged?.Invoke(true);
        return (true, null, null);
    }

    /// <summary>
    /// Factory reset, cloud side: sends resetUnbind and waits (bounded) for the result. Null when the
    /// cloud could not be reached or did not answer in time: the reset goes on anyway.
    /// </summary>
    public async Task<ResetUnbindResult?> ResetUnbindAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_channel is not { IsConnected: true } channel)
        {
            return null;
        }
        var txn = CloudSessionChannel.NewTxn();
        try
        {
            var answer = await channel.RequestAsync(new ResetUnbind(txn), txn, null, timeout, _time, cancellationToken).ConfigureAwait(false);
            return answer as ResetUnbindResult;
        }
        catch (CloudChannelException e)
        {
            LogResetUnbindUnanswered(_logger, e.Message);
            return null;
        }
        finally
        {
            await DisconnectAsync().ConfigureAwait(false);
            EndSession();
        }
    }

    /// <summary>Logs out (the cloud invalidates the sessionkey at once) and closes the channel.</summary>
    public async Task LogOutAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsConnected: true } channel)
        {
            var txn = CloudSessionChannel.NewTxn();
            try
            {
                await channel.RequestAsync(new Logout(txn), txn, null, _options.LogoutTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudChannelException e)
            {
                LogLogoutUnanswered(_logger, e.Message);
            }
        }
        await DisconnectAsync().ConfigureAwait(false);
        EndSession();
    }

    /// <summary>Closes the channel without logging out (the session stays valid for a reconnect).</summary>
    public async Task DisconnectAsync()
    {
        if (_heartbeat is { } heartbeat)
        {
            _heartbeat = null;
            await heartbeat.CancelAsync().ConfigureAwait(false);
            heartbeat.Dispose();
        }
        if (_channel is { } channel)
        {
            _channel = null;
            await channel.DisposeAsync().ConfigureAwait(false);
            ConnectionChanged?.Invoke(false);
        }
    }

    /// <summary>
    /// Sends bridged sub-device traffic and waits for the cloud's ack. False when the channel is not
    /// open, fails, or the ack does not come within <paramref name="timeout"/>: send the same items again.
    /// </summary>
    public async Task<bool> RelayAsync(Relay relay, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(relay);
        if (_channel is not { IsConnected: true } channel)
        {
            return false;
        }
        try
        {
            var answer = await channel.RequestAsync(relay, relay.Txn, null, timeout, _time, cancellationToken).ConfigureAwait(false);
            if (answer is Ack)
            {
                return true;
            }
            LogRelayRefused(_logger, answer is SessionError error ? error.Code : ProtocolErrorCode.UnexpectedMessage);
            return false;
        }
        catch (CloudChannelException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync().ConfigureAwait(false);
        EndSession();
        _stateLock.Dispose();
    }

    private void EndSession()
    {
        _session = null;
        _crypto?.Dispose();
        _crypto = null;
    }

    private async Task HeartbeatAsync(CloudSessionChannel channel, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false) && channel.IsConnected)
            {
                var txn = CloudSessionChannel.NewTxn();
                try
                {
                    await channel.RequestAsync(new SessionRequest(txn, "heartbeat"), txn, null, _options.RequestTimeout, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudChannelException e)
                {
                    LogHeartbeatFailed(_logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task OnMessageAsync(CloudSessionChannel channel, InboundMessage inbound)
    {
        // The channel is passed in: messages can arrive while ConnectAsync is still finishing.
        var ct = CancellationToken.None;
        switch (inbound.Message)
        {
            case KeyRotation rotation:
                await ApplyRotationAsync(channel, rotation, ct).ConfigureAwait(false);
                break;
            case SubDeviceAdded added:
                await UpdateSubDevicesAsync(list =>
                    [.. list.Where(s => s.Did != added.Did), new SubDeviceCredentials(added.Did, added.AccessKey, added.LocalKey, added.KeyId, added.KeyExpiresAt, added.Kind)], ct).ConfigureAwait(false);
                await channel.SendAsync(new Ack(added.Txn), null, ct).ConfigureAwait(false);
                Event?.Invoke(new CloudEvent(CloudEventKind.SubDevicesChanged, $"added {added.Did}"));
                break;
            case SubDeviceRemoved removed:
                await UpdateSubDevicesAsync(list => [.. list.Where(s => s.Did != removed.Did)], ct).ConfigureAwait(false);
                await channel.SendAsync(new Ack(removed.Txn), null, ct).ConfigureAwait(false);
                Event?.Invoke(new CloudEvent(CloudEventKind.SubDevicesChanged, $"removed {removed.Did}"));
                break;
            case SessionRequest request:
                // Answered off the receive loop: a command to a sub-device waits for its answer,
                // and nothing else from the cloud may wait behind it.
                _ = AnswerAsync(channel, request, inbound.Header.Did);
                break;
            case SessionError error:
                LogCloudError(_logger, error.Code, error.Message);
                break;
            default:
                LogUnexpected(_logger, inbound.Message.GetType().Name);
                break;
        }
    }

    private async Task AnswerAsync(CloudSessionChannel channel, SessionRequest request, string? did)
    {
        try
        {
            var answer = await _requests.HandleAsync(request, did, CancellationToken.None).ConfigureAwait(false);
            await channel.SendAsync(answer, did ?? request.Did, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CloudChannelException e)
        {
            LogAnswerFailed(_logger, request.Command, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogAnswerFailed(_logger, request.Command, e.GetType().Name);
        }
    }

    private async Task ApplyRotationAsync(CloudSessionChannel channel, KeyRotation rotation, CancellationToken ct)
    {
        await _stateLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var loaded = await _store.LoadRegistrationAsync(ct).ConfigureAwait(false);
            if (loaded.Value is not { } registration)
            {
                return;
            }
            var pending = new RotatedKeys(rotation.KeyId, rotation.AccessKey, rotation.LocalKey, rotation.KeyExpiresAt);
            // Stored before the ack: whatever happens next, the gateway can log in under either pair.
            await _store.SaveRegistrationAsync(registration with { PendingKeys = pending }, ct).ConfigureAwait(false);
            await channel.SendAsync(new KeyRotationAck(rotation.Txn, rotation.KeyId), null, ct).ConfigureAwait(false);
            var rotated = Promote(registration, pending);
            await _store.SaveRegistrationAsync(rotated, ct).ConfigureAwait(false);
            _registration = rotated;
            LogRotated(_logger, registration.Tid, rotation.KeyId);
            Event?.Invoke(new CloudEvent(CloudEventKind.KeysRotated, $"key {rotation.KeyId} until {rotation.KeyExpiresAt:O}"));
        }
        finally
        {
            _stateLock.Release();
        }
    }

    private async Task UpdateSubDevicesAsync(Func<IReadOnlyList<SubDeviceCredentials>, IReadOnlyList<SubDeviceCredentials>> change, CancellationToken ct)
    {
        await _stateLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var loaded = await _store.LoadSubDevicesAsync(ct).ConfigureAwait(false);
            await _store.SaveSubDevicesAsync(change(loaded.Value ?? []), ct).ConfigureAwait(false);
        }
        finally
        {
            _stateLock.Release();
        }
    }

    private static GatewayRegistration Promote(GatewayRegistration registration, RotatedKeys keys) =>
        registration with { KeyId = keys.KeyId, AccessKey = keys.AccessKey, LocalKey = keys.LocalKey, KeyExpiresAt = keys.KeyExpiresAt, PendingKeys = null };

    [LoggerMessage(EventId = 4211, Level = LogLevel.Warning, Message = "The cloud refused a relay: {Code}")]
    private static partial void LogRelayRefused(ILogger logger, ProtocolErrorCode code);

    [LoggerMessage(EventId = 4212, Level = LogLevel.Warning, Message = "Could not answer the cloud's {Command}: {Reason}")]
    private static partial void LogAnswerFailed(ILogger logger, string command, string reason);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Logged in to the cloud as {Tid}: session {SessionKeyId}")]
    private static partial void LogLoggedIn(ILogger logger, string tid, uint sessionKeyId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Login of {Tid} failed ({Kind}): {Detail}")]
    private static partial void LogLoginFailed(ILogger logger, string tid, LoginFailureKind kind, string detail);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Session channel of {Tid} not opened ({Kind}): {Detail}")]
    private static partial void LogConnectFailed(ILogger logger, string tid, ConnectFailureKind kind, string detail);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Session channel of {Tid} lost: {Reason}")]
    private static partial void LogLost(ILogger logger, string tid, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Key pair of {Tid} rotated to key {KeyId}")]
    private static partial void LogRotated(ILogger logger, string tid, uint keyId);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "resetUnbind got no answer: {Reason}")]
    private static partial void LogResetUnbindUnanswered(ILogger logger, string reason);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Logout got no answer: {Reason}")]
    private static partial void LogLogoutUnanswered(ILogger logger, string reason);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Heartbeat failed: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "The cloud reported error {Code}: {Message}")]
    private static partial void LogCloudError(ILogger logger, ProtocolErrorCode code, string message);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Unexpected {Message} from the cloud")]
    private static partial void LogUnexpected(ILogger logger, string message);
}

/// <summary>
/// The gateway's own answers: <c>ping</c> answers ok; anything addressed to a sub-device gets
/// <c>offline</c> until the sub-device bridge answers it; everything else <c>unknown_command</c>.
/// </summary>
public sealed class GatewayRequestHandler : ICloudRequestHandler
{
    /// <inheritdoc />
    public Task<SessionMessage> HandleAsync(SessionRequest request, string? did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        SessionMessage answer = (did ?? request.Did, request.Command) switch
        {
            (not null, _) => new SessionResponse(request.Txn, false, Error: new ErrorInfo(ProtocolErrorCode.Offline, "the sub-device is not connected")),
            (null, "ping") => new SessionResponse(request.Txn, true, JsonSerializer.SerializeToElement(true, GatewayJsonContext.Default.Boolean)),
            _ => new SessionResponse(request.Txn, false, Error: new ErrorInfo(ProtocolErrorCode.UnknownCommand, "the gateway does not know this command")),
        };
        return Task.FromResult(answer);
    }
}
