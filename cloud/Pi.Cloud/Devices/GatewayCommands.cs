using System.Text.Json;
using Microsoft.Extensions.Options;
using Pi.Cloud.Accounts;
using Pi.Cloud.Http;
using Pi.Cloud.Operations;
using Pi.Cloud.Options;
using Pi.Cloud.Sessions;
using Pi.Cloud.Store;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Devices;

/// <summary>
/// Commands from the APP to a gateway or one of its sub-devices (S402/H160), and key rotation.
/// A command is sealed under the gateway's session; its reply comes back with the same txn, or
/// the APP gets <c>timeout</c>; a gateway that is not connected gets <c>offline</c> at once.
/// </summary>
public sealed class GatewayCommands
{
    /// <summary>Most commands outstanding per gateway.</summary>
    public const int MaxOutstandingPerGateway = 64;

    private readonly GatewayService _gateways;
    private readonly SubDeviceService _subDevices;
    private readonly SessionRegistry _sessions;
    private readonly PendingReplies _pending;
    private readonly GatewaySync _sync;
    private readonly DownLink _down;
    private readonly ICloudStore _store;
    private readonly CloudMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly IOptions<CloudOptions> _options;

    public GatewayCommands(
        GatewayService gateways,
        SubDeviceService subDevices,
        SessionRegistry sessions,
        PendingReplies pending,
        GatewaySync sync,
        DownLink down,
        ICloudStore store,
        CloudMetrics metrics,
        TimeProvider time,
        IOptions<CloudOptions> options)
    {
        _gateways = gateways;
        _subDevices = subDevices;
        _sessions = sessions;
        _pending = pending;
        _sync = sync;
        _down = down;
        _store = store;
        _metrics = metrics;
        _time = time;
        _options = options;
    }

    /// <summary>Sends a command and waits for the reply.</summary>
    public async Task<CommandResponse> SendAsync(AppCaller caller, string tid, CommandRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var gateway = await _gateways.RequireOwnedAsync(caller, tid, cancellationToken).ConfigureAwait(false);
        var command = DeviceIdentity.Text(request.Command, "command");
        var did = request.Did is null ? null : await _subDevices.RequireSubDeviceAsync(gateway.Tid, request.Did, cancellationToken).ConfigureAwait(false);
        var timeout = _options.Value.Commands.Timeout;
        if (request.TimeoutMs is { } ms)
        {
            if (ms is < 100 or > 300_000)
            {
                throw new CloudApiException(ProtocolErrorCode.InvalidField, "timeoutMs must be 100 to 300000");
            }
            timeout = TimeSpan.FromMilliseconds(ms);
        }
        var message = new SessionRequest("placeholder", command, did, request.Args);
        try
        {
            message.Validate();
        }
        catch (Pi.Protocol.Errors.ProtocolException e)
        {
            throw new CloudApiException(e.Code, e.Message);
        }

        var session = _sessions.Find(gateway.Tid) ?? throw Offline();
        if (_pending.CountFor(gateway.Tid) >= MaxOutstandingPerGateway)
        {
            throw Outcome(new CloudApiException(ProtocolErrorCode.Busy, "too many commands are waiting for this gateway", 429), "busy");
        }
        var pending = _pending.Register(gateway.Tid, PendingKind.Command, did);
        try
        {
            bool sent;
            try
            {
                sent = await _down.SendAsync(session, message with { Txn = pending.Txn }, did, cancellationToken).ConfigureAwait(false);
            }
            catch (ProtocolException)
            {
                sent = false; // the session ended in between
            }
            if (!sent)
            {
                throw Offline();
            }
            SessionMessage answer;
            try
            {
                answer = await pending.Answer.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw Outcome(new CloudApiException(ProtocolErrorCode.Timeout, $"no reply within {timeout.TotalSeconds:0.###} s"), "timeout");
            }
            catch (ProtocolException e)
            {
                throw Outcome(new CloudApiException(e.Code, "the gateway went offline before it answered"), "offline");
            }
            _metrics.Command("answered");
            return answer switch
            {
                SessionResponse r => new CommandResponse(pending.Txn, r.Ok, r.Result, r.Error is { } err ? ProtocolErrors.Name(err.Code) : null, r.Error?.Message),
                SessionError e => new CommandResponse(pending.Txn, false, null, ProtocolErrors.Name(e.Code), e.Message),
                _ => throw new CloudApiException(ProtocolErrorCode.UnexpectedMessage, "the gateway answered with the wrong message", 502),
            };
        }
        finally
        {
            _pending.Remove(pending);
        }
    }

    /// <summary>
    /// Starts a key rotation: a new key pair, pending until the gateway acknowledges it; the
    /// current pair keeps working until then and never after.
    /// </summary>
    public async Task<KeyRotationResponse> RotateKeysAsync(AppCaller caller, string tid, CancellationToken cancellationToken)
    {
        var gateway = await _gateways.RequireOwnedAsync(caller, tid, cancellationToken).ConfigureAwait(false);
        var keys = await _gateways.NewKeyPairAsync(gateway.Tid, _time.GetUtcNow(), KeyPairState.Pending, cancellationToken).ConfigureAwait(false);
        await _store.AddPendingKeyPairAsync(keys, cancellationToken).ConfigureAwait(false);
        var delivered = _sessions.Find(gateway.Tid) is { } session
            && await _sync.PushKeyRotationAsync(session, keys, cancellationToken).ConfigureAwait(false);
        return new KeyRotationResponse(gateway.Tid, keys.KeyId, keys.ExpiresAt, delivered);
    }

    private CloudApiException Offline() =>
        Outcome(new CloudApiException(ProtocolErrorCode.Offline, "the gateway is not connected"), "offline");

    private CloudApiException Outcome(CloudApiException exception, string outcome)
    {
        _metrics.Command(outcome);
        return exception;
    }
}
