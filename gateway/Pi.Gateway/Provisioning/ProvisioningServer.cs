using System.Net;
using Microsoft.Extensions.Logging;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// The gateway's side of provisioning over real sockets (docs/protocol.md sections 4-6; seed steps
/// S11-S13, S3-S4, S103-S104): searchDevice on UDP port1, deviceInfo broadcast to port2, and the
/// APP's session on TCP port3 (getSsidList, wifiCredentials, registrationInfo). The host turns it
/// on in softAP mode (and while it waits for the registration on the router's LAN) and off once
/// online. Decisions (joining, storing) belong to the <see cref="IProvisioningHandler"/>; the list
/// of routers to the <see cref="ISsidSource"/>.
/// </summary>
/// <remarks>
/// IPv4 only (the search is a broadcast). Start and stop may alternate; each start binds fresh
/// sockets and forgets every pending session and replay window of the previous period.
/// </remarks>
public sealed class ProvisioningServer : IAsyncDisposable
{
    private readonly ProvisioningServerOptions _options;
    private readonly IProvisioningHandler _handler;
    private readonly ISsidSource _ssids;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RefusalLog _refusals;
    private readonly IPAddress _bindAddress;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private GatewayProvisioningContext _context;
    private ProvisioningRun? _run;
    private long _sessionIds;
    private bool _disposed;

    /// <summary>Creates a stopped server.</summary>
    /// <exception cref="ArgumentException">The options or the context break a rule.</exception>
    public ProvisioningServer(
        ProvisioningServerOptions options,
        GatewayProvisioningContext context,
        IProvisioningHandler handler,
        ISsidSource ssidSource,
        ILogger<ProvisioningServer> logger,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(ssidSource);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"invalid provisioning options: {string.Join("; ", errors)}", nameof(options));
        }
        context.Validate();
        _options = options.Clone();
        _bindAddress = IPAddress.Parse(_options.BindAddress);
        _context = context;
        _handler = handler;
        _ssids = ssidSource;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _refusals = new RefusalLog(logger, _time, _options.RefusalLogBurst, _options.RefusalLogWindow);
    }

    /// <summary>What deviceInfo reports now.</summary>
    public GatewayProvisioningContext Context => Volatile.Read(ref _context);

    /// <summary>Whether the sockets are open.</summary>
    public bool IsRunning => Volatile.Read(ref _run) is not null;

    /// <summary>Where searches are received (the real port when port1 was 0); null while stopped.</summary>
    public IPEndPoint? SearchEndPoint => Volatile.Read(ref _run)?.SearchEndPoint;

    /// <summary>Where sessions are accepted (the real port3, as deviceInfo announces it); null while stopped.</summary>
    public IPEndPoint? SessionEndPoint => Volatile.Read(ref _run)?.SessionEndPoint;

    /// <summary>Answered searches waiting for the APP's connection (0 while stopped).</summary>
    public int PendingSessionCount => Volatile.Read(ref _run)?.PendingCount ?? 0;

    /// <summary>TCP connections being served (0 while stopped).</summary>
    public int ConnectionCount => Volatile.Read(ref _run)?.ConnectionCount ?? 0;

    /// <summary>
    /// Replaces what deviceInfo reports (joined a router, a new address, binding done); the next
    /// answered search uses it. A new secret applies to new searches; pending sessions keep theirs.
    /// A provisioned context ends the pending sessions: searches then hear already_provisioned.
    /// </summary>
    /// <exception cref="ArgumentException">A field breaks its rule, or no address could be announced.</exception>
    public void UpdateContext(GatewayProvisioningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Validate();
        RequireAdvertisable(context);
        Volatile.Write(ref _context, context);
        if (context.Provisioned)
        {
            // Searches answered before now offered sessions; none may start on a provisioned gateway.
            Volatile.Read(ref _run)?.ForgetPending();
        }
    }

    /// <summary>Binds port1 and port3 and starts answering. Does nothing if already running.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">A port is taken or the bind address is not local.</exception>
    /// <exception cref="ArgumentException">The context has no <see cref="GatewayProvisioningContext.Ip"/> while binding all interfaces.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_run is not null)
            {
                return;
            }
            var context = Context;
            RequireAdvertisable(context);
            var run = ProvisioningRun.Start(_options, () => Context, AdvertisedIp, _handler, _ssids, _refusals, _logger, _time, () => Interlocked.Increment(ref _sessionIds));
            Volatile.Write(ref _run, run);
            if (run.SessionEndPoint is { } sessionEndPoint)
            {
                ProvisioningLog.Started(_logger, run.SearchEndPoint, sessionEndPoint, run.AnswerEndPoint, context.Secret.IsOpenMode ? "open mode" : "setup code");
            }
            else
            {
                ProvisioningLog.StartedProvisioned(_logger, run.SearchEndPoint, run.AnswerEndPoint);
            }
            if (context.Secret.IsOpenMode)
            {
                ProvisioningLog.OpenModeWarning(_logger);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Closes both sockets, ends the session and every connection (the handler hears
    /// <see cref="ProvisioningSessionEndReason.Stopped"/>) and forgets pending sessions. Does nothing
    /// if stopped.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops (as <see cref="StopAsync"/>) and releases the server for good.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task StopCoreAsync()
    {
        var run = _run;
        if (run is null)
        {
            return;
        }
        Volatile.Write(ref _run, null);
        await run.DisposeAsync().ConfigureAwait(false);
        _refusals.Flush();
        ProvisioningLog.Stopped(_logger);
    }

    private string AdvertisedIp(GatewayProvisioningContext context) => context.Ip ?? _bindAddress.ToString();

    private void RequireAdvertisable(GatewayProvisioningContext context)
    {
        // A provisioned gateway's answer is an error: it announces no address.
        if (context.Ip is null && !context.Provisioned && _bindAddress.Equals(IPAddress.Any))
        {
            throw new ArgumentException("the context needs an Ip for deviceInfo when the server binds all interfaces (0.0.0.0)", nameof(context));
        }
    }
}
