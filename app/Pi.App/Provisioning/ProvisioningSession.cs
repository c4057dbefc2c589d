using System.Net.Sockets;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.App.Provisioning;

/// <summary>
/// The APP's TCP session on a device's port3 under one agreekey (docs/protocol.md sections 4-6):
/// one request at a time, each answered by one frame. The first frame carries the device public key
/// from deviceInfo, which names the agreekey (rule 3).
/// </summary>
/// <remarks>
/// After any failure (an error frame, a lost connection, a protocol violation) the device closes
/// the connection, so the session is over: further requests fail with
/// <see cref="ProvisioningFailure.ConnectionLost"/>. Search again for a new session.
/// </remarks>
public sealed class ProvisioningSession : IAsyncDisposable
{
    private readonly NetworkStream _stream;
    private readonly ProvisioningChannel _channel;
    private readonly StreamFrameDecoder _decoder = new();
    private readonly byte[] _devicePublicKey;
    private readonly byte[] _buffer = new byte[4096];
    private readonly Queue<ProvisioningFrame> _frames = new();
    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly TimeSpan _replyTimeout;
    private bool _sentFirst;
    private bool _over;

    internal ProvisioningSession(Socket socket, FoundDevice found, TimeSpan replyTimeout)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        _devicePublicKey = found.DevicePublicKey.ToArray();
        _channel = new ProvisioningChannel(found.AgreeKey, ProvisioningRole.App, ProvisioningTransport.Stream, found.OpenMode);
        _replyTimeout = replyTimeout;
        Device = found;
    }

    /// <summary>The device this session talks to.</summary>
    public FoundDevice Device { get; }

    /// <summary>Whether the session has ended (failure or dispose); a new search is needed.</summary>
    public bool IsOver => Volatile.Read(ref _over);

    /// <summary>
    /// Sends one request and returns the device's answer: getSsidList → ssidList, wifiCredentials →
    /// wifiResult, registrationInfo → registrationAck, subDeviceInfo → subDeviceAck.
    /// </summary>
    /// <exception cref="ProvisioningClientException">
    /// <see cref="ProvisioningFailure.Busy"/> or <see cref="ProvisioningFailure.Refused"/> for an
    /// error frame (with its code), <see cref="ProvisioningFailure.ConnectionLost"/>, or
    /// <see cref="ProvisioningFailure.ProtocolError"/> for a reply that breaks the protocol.
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled by the caller; the session is over too.</exception>
    /// <exception cref="ArgumentException">Not a request the APP sends on the session (or one that cannot be sealed).</exception>
    public async Task<ProvisioningMessage> RequestAsync(ProvisioningMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var expected = ExpectedReply(request);
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_over)
            {
                throw new ProvisioningClientException(ProvisioningFailure.ConnectionLost, "the session is over: search again");
            }
            try
            {
                var reply = await ExchangeAsync(request, cancellationToken).ConfigureAwait(false);
                if (reply is ProvisioningError error)
                {
                    throw FromErrorFrame(error);
                }
                if (reply.FrameType != expected)
                {
                    throw new ProvisioningClientException(ProvisioningFailure.ProtocolError, $"the device answered {request.FrameType} with {reply.FrameType}, not {expected}", ProtocolErrorCode.UnexpectedMessage);
                }
                CheckEcho(request, reply);
                return reply;
            }
            catch (Exception ex) when (ex is ProvisioningClientException or OperationCanceledException)
            {
                // A failed or abandoned exchange leaves the stream out of step (a late reply would be
                // read as the answer to the next request): the session is over.
                _over = true;
                throw;
            }
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>S3: the networks the device sees, strongest first.</summary>
    public async Task<IReadOnlyList<SsidEntry>> GetSsidListAsync(bool rescan = false, CancellationToken cancellationToken = default) =>
        ((SsidList)await RequestAsync(new GetSsidList(rescan), cancellationToken).ConfigureAwait(false)).Networks;

    /// <summary>
    /// S4: asks the device to join a router. A dropped connection is an outcome here
    /// (<see cref="WifiOutcomeKind.ConnectionDropped"/>), not an exception: it is expected while the
    /// radio leaves the softAP.
    /// </summary>
    /// <exception cref="ProvisioningClientException">An error frame or a protocol violation.</exception>
    public async Task<WifiOutcome> JoinWifiAsync(WifiCredentials credentials, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = (WifiResult)await RequestAsync(credentials, cancellationToken).ConfigureAwait(false);
            return result.Joined
                ? new WifiOutcome(WifiOutcomeKind.Joined, Ip: result.Ip)
                : new WifiOutcome(WifiOutcomeKind.Failed, result.Reason, result.Ip);
        }
        catch (ProvisioningClientException ex) when (ex.Failure == ProvisioningFailure.ConnectionLost)
        {
            return new WifiOutcome(WifiOutcomeKind.ConnectionDropped);
        }
    }

    /// <summary>S103/S104: delivers the gateway's registration; returns the ack (its tid is checked).</summary>
    public async Task<RegistrationAck> DeliverRegistrationAsync(RegistrationInfo registration, CancellationToken cancellationToken = default) =>
        (RegistrationAck)await RequestAsync(registration, cancellationToken).ConfigureAwait(false);

    /// <summary>Section 6.1: delivers a sub-device's info; returns the ack (its did is checked).</summary>
    public async Task<SubDeviceAck> DeliverSubDeviceAsync(SubDeviceInfo info, CancellationToken cancellationToken = default) =>
        (SubDeviceAck)await RequestAsync(info, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _over = true;
        await _stream.DisposeAsync().ConfigureAwait(false);
        _channel.Dispose();
        _one.Dispose();
    }

    /// <summary>The exception for an error frame: busy is its own kind, every other code is a refusal.</summary>
    internal static ProvisioningClientException FromErrorFrame(ProvisioningError error)
    {
        var text = error.Message.Length > 200 ? error.Message[..200] : error.Message;
        return error.Code switch
        {
            ProtocolErrorCode.Busy => new ProvisioningClientException(ProvisioningFailure.Busy, $"the device is busy: {text}", error.Code),
            ProtocolErrorCode.AlreadyProvisioned => new ProvisioningClientException(ProvisioningFailure.AlreadyProvisioned, $"the gateway is already provisioned: {text}", error.Code),
            _ => new ProvisioningClientException(ProvisioningFailure.Refused, $"the device refused the request ({ProtocolErrors.Name(error.Code)}): {text}", error.Code),
        };
    }

    private static ProvisioningFrameType ExpectedReply(ProvisioningMessage request) => request switch
    {
        GetSsidList => ProvisioningFrameType.SsidList,
        WifiCredentials => ProvisioningFrameType.WifiResult,
        RegistrationInfo => ProvisioningFrameType.RegistrationAck,
        SubDeviceInfo => ProvisioningFrameType.SubDeviceAck,
        _ => throw new ArgumentException($"{request.FrameType} is not a request the APP sends on the session", nameof(request)),
    };

    private static void CheckEcho(ProvisioningMessage request, ProvisioningMessage reply)
    {
        var echoed = (request, reply) switch
        {
            (RegistrationInfo info, RegistrationAck ack) => string.Equals(info.Tid, ack.Tid, StringComparison.Ordinal),
            (SubDeviceInfo info, SubDeviceAck ack) => string.Equals(info.Did, ack.Did, StringComparison.Ordinal),
            _ => true,
        };
        if (!echoed)
        {
            throw new ProvisioningClientException(ProvisioningFailure.ProtocolError, "the device acknowledged another id than the one delivered", ProtocolErrorCode.IdMismatch);
        }
    }

    private async Task<ProvisioningMessage> ExchangeAsync(ProvisioningMessage request, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = _channel.Seal(request, _sentFirst ? [] : _devicePublicKey);
        }
        catch (ProtocolException ex)
        {
            throw new ArgumentException($"the request cannot be sealed ({ProtocolErrors.Name(ex.Code)}): {ex.Message}", nameof(request), ex);
        }
        _sentFirst = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_replyTimeout);
        try
        {
            await _stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
            var frame = await ReadFrameAsync(timeout.Token).ConfigureAwait(false);
            return _channel.Open(frame);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProvisioningClientException(ProvisioningFailure.ConnectionLost, $"no reply to {request.FrameType} within {_replyTimeout}", ProtocolErrorCode.Timeout, ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            throw new ProvisioningClientException(ProvisioningFailure.ConnectionLost, $"the connection closed before the reply to {request.FrameType}", innerException: ex);
        }
        catch (ProtocolException ex)
        {
            throw new ProvisioningClientException(ProvisioningFailure.ProtocolError, $"the reply to {request.FrameType} was refused ({ProtocolErrors.Name(ex.Code)}): {ex.Message}", ex.Code, ex);
        }
    }

    private async Task<ProvisioningFrame> ReadFrameAsync(CancellationToken cancellationToken)
    {
        while (_frames.Count == 0)
        {
            var read = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the device closed the connection");
            }
            foreach (var frame in _decoder.Push(_buffer.AsSpan(0, read)))
            {
                _frames.Enqueue(frame);
            }
        }
        return _frames.Dequeue();
    }
}
