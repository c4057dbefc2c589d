using System.Net;
using System.Net.Sockets;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// One TCP connection on port3 (docs/protocol.md section 5): its first frame must name a pending
/// session by the gateway public key and authenticate under that agreekey; then it either holds
/// the one session or is told <c>busy</c>. In a session each request gets its reply; any error on
/// the stream ends the connection (after a sealed error frame where the stream is still in step).
/// </summary>
internal sealed partial class ProvisioningConnection
{
    private const string BusyText = "another APP is provisioning this gateway";

    private readonly Socket _socket;
    private readonly IPEndPoint _remote;
    private readonly SessionServices _services;
    private readonly CancellationTokenSource _cts;
    private readonly Action<ProvisioningConnection> _completed;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _superseded;
    private ProvisioningSession? _session;

    public ProvisioningConnection(Socket socket, IPEndPoint remote, SessionServices services, Action<ProvisioningConnection> completed, CancellationToken stopping)
    {
        _socket = socket;
        _remote = remote;
        _services = services;
        _completed = completed;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>Hex of the APP public key, once the first frame authenticated.</summary>
    public string? AppKeyId { get; private set; }

    /// <summary>Completes when the connection is closed and its session (if any) reported ended.</summary>
    public Task Completion => _done.Task;

    /// <summary>The same APP connected again: end this connection.</summary>
    public void Supersede()
    {
        _superseded = true;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }

    /// <summary>Serves the connection to its end; never throws.</summary>
    public async Task RunAsync()
    {
        var cancellationToken = _cts.Token;
        var end = ProvisioningSessionEndReason.Closed;
        var started = false;
        PendingSession? pending = null;
        var stream = new NetworkStream(_socket, ownsSocket: true);
        try
        {
            var options = _services.Options;
            var reader = new StreamFrameReader(stream, options.MaxFrameSize, options.IdleTimeout, options.FrameTimeout, _services.Time);
            var first = await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            if (first is null)
            {
                _services.Refusals.Session(_remote, ProtocolErrorCode.Truncated, "closed before sending a frame");
                return;
            }
            // Rule 3: the first frame names its pending session; only an authentic one claims it.
            pending = _services.Pending.Claim(first, out var plaintext);
            AppKeyId = pending.AppKeyId;
            var channel = pending.Stream;
            if (!_services.Gate.TryEnter(this, out var replaced))
            {
                // Rule 4: sealed under this APP's own agreekey, then closed.
                _services.Refusals.Session(_remote, ProtocolErrorCode.Busy, BusyText);
                await SendAsync(stream, channel.Seal(new ProvisioningError(ProtocolErrorCode.Busy, BusyText)), cancellationToken).ConfigureAwait(false);
                return;
            }
            _session = new ProvisioningSession(_services.NextSessionId(), _remote, _services.Time.GetUtcNow());
            if (replaced is not null)
            {
                ProvisioningLog.SessionSuperseded(_services.Logger, _session.Id, _remote);
                replaced.Supersede();
                await replaced.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            ProvisioningLog.SessionStarted(_services.Logger, _session.Id, _remote);
            started = true;
            Notify(static (handler, session) => handler.SessionStarted(session), nameof(IProvisioningHandler.SessionStarted));

            var message = ProtocolJson.DeserializeProvisioning(first.Type, plaintext);
            while (true)
            {
                if (message is ProvisioningError error)
                {
                    ProvisioningLog.AppReportedError(_services.Logger, _session.Id, new ErrorName(error.Code));
                    end = ProvisioningSessionEndReason.ProtocolError;
                    return;
                }
                var reply = await HandleAsync(message, cancellationToken).ConfigureAwait(false);
                await SendAsync(stream, channel.Seal(reply), cancellationToken).ConfigureAwait(false);
                var frame = await reader.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                if (frame is null)
                {
                    return;
                }
                message = channel.Open(frame);
            }
        }
        catch (ProtocolException ex)
        {
            _services.Refusals.Session(_remote, ex.Code, ex.Message);
            end = ProvisioningSessionEndReason.ProtocolError;
            if (started)
            {
                // The APP authenticated: tell it why, under its agreekey, before closing.
                await TrySendErrorAsync(stream, pending!, ex).ConfigureAwait(false);
            }
        }
        catch (SessionTimeoutException ex)
        {
            _services.Refusals.Session(_remote, ProtocolErrorCode.Timeout, ex.Message);
            end = ex.Idle ? ProvisioningSessionEndReason.IdleTimeout : ProvisioningSessionEndReason.FrameTimeout;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            end = _superseded ? ProvisioningSessionEndReason.Superseded : ProvisioningSessionEndReason.Stopped;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            end = ProvisioningSessionEndReason.TransportError;
        }
#pragma warning disable CA1031 // The connection's last line of defence: log, close, keep serving others.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ProvisioningLog.ConnectionFailed(_services.Logger, _remote, ex);
            end = ProvisioningSessionEndReason.TransportError;
        }
        finally
        {
            await FinishAsync(stream, pending, started, end).ConfigureAwait(false);
        }
    }

    private async Task FinishAsync(NetworkStream stream, PendingSession? pending, bool started, ProvisioningSessionEndReason end)
    {
        if (_session is not null)
        {
            _services.Gate.Leave(this);
        }
        if (started)
        {
            ProvisioningLog.SessionEnded(_services.Logger, _session!.Id, _remote, end);
            Notify((handler, session) => handler.SessionEnded(session, end), nameof(IProvisioningHandler.SessionEnded));
        }
        pending?.Dispose();
        try
        {
            // Send what is queued and a FIN before the close, so a final error frame arrives.
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset or closed.
        }
        await stream.DisposeAsync().ConfigureAwait(false);
        _cts.Dispose();
        _completed(this);
        _done.TrySetResult();
    }

    private async Task SendAsync(NetworkStream stream, byte[] frame, CancellationToken cancellationToken)
    {
        var writeTimeout = _services.Options.FrameTimeout;
        using var timeout = new CancellationTokenSource(writeTimeout, _services.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await stream.WriteAsync(frame, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A peer that does not read is as stalled as one that does not write.
            throw new SessionTimeoutException(idle: false, writeTimeout);
        }
    }

    private async Task TrySendErrorAsync(NetworkStream stream, PendingSession pending, ProtocolException error)
    {
        try
        {
            var frame = pending.Stream.Seal(new ProvisioningError(error.Code, ErrorText.Of(error.Message)));
            await SendAsync(stream, frame, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ProtocolException or IOException or SocketException or ObjectDisposedException or TimeoutException or OperationCanceledException)
        {
            // Best effort: the connection closes either way.
        }
    }

    private void Notify(Action<IProvisioningHandler, ProvisioningSession> notification, string name)
    {
        try
        {
            notification(_services.Handler, _session!);
        }
#pragma warning disable CA1031 // A failing observer must not take the session down with it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            ProvisioningLog.NotificationThrew(_services.Logger, name, ex);
        }
    }
}
