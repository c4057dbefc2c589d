using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Pi.Protocol.Errors;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// port3: accepts TCP connections and gives each its own task, at most
/// <see cref="ProvisioningServerOptions.MaxConnections"/> at once (more are closed at once: the
/// one session plus a few APPs being told <c>busy</c> is all a gateway needs).
/// </summary>
internal sealed class SessionListener(Socket listener, SessionServices services)
{
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<ProvisioningConnection, Task> _connections = new();

    /// <summary>Connections being served now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Accepts until <paramref name="stopping"/> fires or the socket closes.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of descriptors, for example: wait a little rather than spin.
                ProvisioningLog.AcceptFailed(services.Logger, ex.SocketErrorCode.ToString());
                try
                {
                    await Task.Delay(AcceptRetryDelay, services.Time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            Accept(socket, stopping);
        }
    }

    /// <summary>Waits for every connection to end (after the run's token fired).</summary>
    public Task DrainAsync() => Task.WhenAll(_connections.Values);

    private void Accept(Socket socket, CancellationToken stopping)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.Any, 0);
        if (_connections.Count >= services.Options.MaxConnections)
        {
            services.Refusals.Session(remote, ProtocolErrorCode.Busy, "too many connections at once");
            socket.Dispose();
            return;
        }
        socket.NoDelay = true;
        var connection = new ProvisioningConnection(socket, remote, services, completed => _connections.TryRemove(completed, out _), stopping);
        // Registered before it runs, so it can never remove itself before it was added.
        _connections[connection] = connection.Completion;
        _ = Task.Run(connection.RunAsync, CancellationToken.None);
    }
}
