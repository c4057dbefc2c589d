using Pi.Gateway.Wifi;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

// The APP's three requests (S3, S4, S103) and the reply to each.
internal sealed partial class ProvisioningConnection
{
    // Replies must fit the APP's receiver, whose default limit is 16 KiB whatever ours is.
    private int ReplyLimit => Math.Min(_services.Options.MaxFrameSize, ProvisioningFrame.DefaultMaxStreamFrameSize);

    private Task<ProvisioningMessage> HandleAsync(ProvisioningMessage message, CancellationToken cancellationToken) => message switch
    {
        GetSsidList request => NetworksAsync(request.Rescan, cancellationToken),
        WifiCredentials credentials => JoinAsync(credentials, cancellationToken),
        RegistrationInfo registration => StoreAsync(registration, cancellationToken),
        // The channel lets only the APP's stream types through; errors are handled by the caller.
        _ => throw new ProtocolException(ProtocolErrorCode.UnexpectedMessage, $"the gateway does not expect {message.FrameType} here"),
    };

    /// <summary>S3/H60: the cached scan, or a fresh one when asked.</summary>
    private async Task<ProvisioningMessage> NetworksAsync(bool rescan, CancellationToken cancellationToken)
    {
        IReadOnlyList<SsidEntry> scanned;
        try
        {
            scanned = rescan
                ? await _services.Ssids.RescanAsync(cancellationToken).ConfigureAwait(false)
                : await _services.Ssids.GetNetworksAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            ProvisioningLog.NetworksFailed(_services.Logger, _session!.Id, rescan, ex);
            return new ProvisioningError(ProtocolErrorCode.Internal, rescan ? "the rescan failed; ask again without rescan for the earlier list" : "the list of networks is not available");
        }
        var list = SsidListBuilder.Build(scanned, ReplyLimit, out var leftOut);
        ProvisioningLog.NetworksSent(_services.Logger, _session!.Id, list.Networks.Count, rescan, leftOut);
        return list;
    }

    /// <summary>S4/H70: the handler joins; the outcome (joined or why not) is the reply, and the session goes on either way.</summary>
    private async Task<ProvisioningMessage> JoinAsync(WifiCredentials credentials, CancellationToken cancellationToken)
    {
        var id = _session!.Id;
        ProvisioningLog.Joining(_services.Logger, id, credentials.Ssid);
        JoinResult? result;
        try
        {
            result = await _services.Handler.JoinWifiAsync(credentials.Ssid, credentials.Password, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            ProvisioningLog.JoinThrew(_services.Logger, id, credentials.Ssid, ex);
            return new WifiResult(false, WifiFailure.RadioError);
        }
        if (result is { Joined: true })
        {
            // An address the APP could not read is left out rather than sent.
            var ip = result.Ip is not null && IsValidIp(result.Ip) ? result.Ip : null;
            ProvisioningLog.Joined(_services.Logger, id, credentials.Ssid, ip);
            return new WifiResult(true, Ip: ip);
        }
        var failure = result?.Failure is { } reason && Enum.IsDefined(reason) ? reason : WifiFailure.RadioError;
        ProvisioningLog.JoinFailed(_services.Logger, id, credentials.Ssid, failure);
        return new WifiResult(false, failure);
    }

    /// <summary>S104/H120: a registration that is still valid goes to the handler; its decision is the reply.</summary>
    private async Task<ProvisioningMessage> StoreAsync(RegistrationInfo registration, CancellationToken cancellationToken)
    {
        var id = _session!.Id;
        // The message's own rules (tid, password length, 16-byte keys that differ, URL) were checked
        // when it was decoded; what remains is time.
        var now = _services.Time.GetUtcNow();
        if (registration.KeyExpiresAt <= now)
        {
            return NotStored(id, registration.Tid, ProtocolErrorCode.KeyExpired, "keyExpiresAt has passed: register the gateway again");
        }
        if (registration.ServiceExpiresAt <= now)
        {
            return NotStored(id, registration.Tid, ProtocolErrorCode.ServiceExpired, "serviceExpiresAt has passed");
        }
        RegistrationStoreResult? result;
        try
        {
            result = await _services.Handler.StoreRegistrationAsync(registration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCancellation(ex, cancellationToken))
        {
            ProvisioningLog.RegistrationThrew(_services.Logger, id, registration.Tid, ex);
            return new ProvisioningError(ProtocolErrorCode.Internal, "the gateway could not store the registration");
        }
        if (result is { Stored: true })
        {
            ProvisioningLog.RegistrationStored(_services.Logger, id, registration.Tid, registration.KeyId);
            return new RegistrationAck(registration.Tid);
        }
        var code = result?.Error is { } error && Enum.IsDefined(error) ? error : ProtocolErrorCode.Internal;
        return NotStored(id, registration.Tid, code, result?.Message ?? "the gateway did not store the registration");
    }

    private ProvisioningError NotStored(long sessionId, string tid, ProtocolErrorCode code, string reason)
    {
        var text = ErrorText.Of(reason);
        ProvisioningLog.RegistrationNotStored(_services.Logger, sessionId, tid, new ErrorName(code), text);
        return new ProvisioningError(code, text);
    }

    private static bool IsValidIp(string ip)
    {
        try
        {
            new WifiResult(true, Ip: ip).Validate();
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }

    private static bool IsCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
}
