using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// One period of the server being on: its two sockets, the loops on them, the pending sessions and
/// searchkey windows. Nothing of it outlives <see cref="DisposeAsync"/>; the next start is a new run.
/// A run started for a provisioned gateway has no TCP side: it only tells searchers so.
/// </summary>
internal sealed class ProvisioningRun : IAsyncDisposable
{
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;

    private readonly Socket _udp;
    private readonly Socket? _tcp;
    private readonly CancellationTokenSource _stopping = new();
    private readonly PendingSessions _pending;
    private readonly SearchKeyCache _searchKeys;
    private readonly SessionListener? _sessions;
    private readonly Task _searchLoop;
    private readonly Task _acceptLoop;

    private ProvisioningRun(
        Socket udp,
        Socket? tcp,
        ProvisioningServerOptions options,
        Func<GatewayProvisioningContext> context,
        Func<GatewayProvisioningContext, string> advertisedIp,
        IProvisioningHandler handler,
        ISsidSource ssids,
        RefusalLog refusals,
        ILogger logger,
        TimeProvider time,
        Func<long> nextSessionId)
    {
        _udp = udp;
        _tcp = tcp;
        SearchEndPoint = (IPEndPoint)udp.LocalEndPoint!;
        SessionEndPoint = (IPEndPoint?)tcp?.LocalEndPoint;
        AnswerEndPoint = new IPEndPoint(IPAddress.Parse(options.BroadcastAddress), options.AnswerPort);
        _pending = new PendingSessions(options.MaxPendingSessions, options.PendingSessionLifetime, time);
        _searchKeys = new SearchKeyCache(options.MaxRememberedSearchKeys, options.SearchKeyLifetime, time);
        var search = new SearchListener(udp, AnswerEndPoint, SessionEndPoint?.Port ?? 0, options.MaxFrameSize, context, advertisedIp, _searchKeys, _pending, refusals, logger, time);
        var services = new SessionServices(options, _pending, new SessionGate(), handler, ssids, refusals, logger, time, nextSessionId);
        _sessions = tcp is null ? null : new SessionListener(tcp, services);
        _searchLoop = Task.Run(() => search.RunAsync(_stopping.Token), CancellationToken.None);
        _acceptLoop = _sessions is { } sessions ? Task.Run(() => sessions.RunAsync(_stopping.Token), CancellationToken.None) : Task.CompletedTask;
    }

    public IPEndPoint SearchEndPoint { get; }

    /// <summary>port3, or null for a provisioned gateway's run (no sessions).</summary>
    public IPEndPoint? SessionEndPoint { get; }

    public IPEndPoint AnswerEndPoint { get; }

    /// <summary>Answered searches waiting for a connection.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Forgets the answered searches: no connection can start a session from them.</summary>
    public void ForgetPending() => _pending.Clear();

    /// <summary>TCP connections being served.</summary>
    public int ConnectionCount => _sessions?.ConnectionCount ?? 0;

    /// <summary>Binds both sockets and starts the loops.</summary>
    /// <exception cref="SocketException">A port is taken or the address is not local.</exception>
    public static ProvisioningRun Start(
        ProvisioningServerOptions options,
        Func<GatewayProvisioningContext> context,
        Func<GatewayProvisioningContext, string> advertisedIp,
        IProvisioningHandler handler,
        ISsidSource ssids,
        RefusalLog refusals,
        ILogger logger,
        TimeProvider time,
        Func<long> nextSessionId)
    {
        var bind = IPAddress.Parse(options.BindAddress);
        Socket? udp = null;
        Socket? tcp = null;
        try
        {
            udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { EnableBroadcast = true };
            TieToInterface(udp, options.InterfaceName);
            udp.Bind(new IPEndPoint(bind, options.SearchPort));
            if (!context().Provisioned)
            {
                tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                TieToInterface(tcp, options.InterfaceName);
                tcp.Bind(new IPEndPoint(bind, options.SessionPort));
                tcp.Listen(options.MaxConnections * 2);
            }
            return new ProvisioningRun(udp, tcp, options, context, advertisedIp, handler, ssids, refusals, logger, time, nextSessionId);
        }
        catch
        {
            udp?.Dispose();
            tcp?.Dispose();
            throw;
        }
    }

    /// <summary>Closes the sockets, ends every connection and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        _tcp?.Dispose();
        await Task.WhenAll(_searchLoop, _acceptLoop).ConfigureAwait(false);
        if (_sessions is not null)
        {
            await _sessions.DrainAsync().ConfigureAwait(false);
        }
        _searchKeys.Dispose();
        _pending.Dispose();
        _stopping.Dispose();
    }

    private static void TieToInterface(Socket socket, string? interfaceName)
    {
        if (interfaceName is null)
        {
            return;
        }
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("InterfaceName (SO_BINDTODEVICE) is supported on Linux only");
        }
        socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(interfaceName + "\0"));
    }
}
