using MQTTnet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.SubDevice.Client;

/// <summary>
/// The reference client of a sub-device on the gateway's LAN (docs/protocol.md, section 10;
/// docs/subdevice.md for makers). It keeps one sub-device linked to the gateway's local broker:
/// <list type="number">
/// <item>connect with MQTT 5, client id = username = did, password = the LAN password (derived from
/// the localkey), and a retained last will <c>offline</c> on its availability topic;</item>
/// <item>on <b>every</b> connect: subscribe to <c>welcome</c> and <c>down</c>, publish a linkHello with a
/// fresh nonce, wait for the linkWelcome, derive the link key, publish a retained <c>online</c>;</item>
/// <item>seal what the device sends (<see cref="SendAsync"/>) and open what the gateway sends, answering
/// each command through <see cref="CommandHandler"/>;</item>
/// <item>when the connection drops, reconnect with exponential backoff and jitter (slowly after a
/// refusal), and link again with new nonces: a new link key and counters from 0.</item>
/// </list>
/// </summary>
/// <remarks>
/// Nothing here stores a counter or a link key: both live exactly as long as one MQTT connection.
/// That is what lets a device reboot at any moment without ever reusing a nonce.
/// </remarks>
public sealed partial class SubDeviceClient : IAsyncDisposable
{
    private readonly SubDeviceClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SecretString _password;
    private readonly Backoff _backoff;
    private readonly Lock _lifecycle = new();
    private CancellationTokenSource? _stopping;
    private Task _loop = Task.CompletedTask;
    private volatile Link? _link;
    private int _connections;
    private int _stopped;

    /// <summary>Creates a client; nothing happens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">did, localkey, broker and timings.</param>
    /// <param name="time">The clock for timeouts and backoff (a FakeTimeProvider in tests).</param>
    /// <param name="logger">Where to log; never receives a key or password.</param>
    public SubDeviceClient(SubDeviceClientOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        // The LAN password only admits the MQTT connection; both sides derive it from the localkey
        // (docs/protocol.md, section 3.7), so it is computed once and never stored.
        _password = KeyDerivation.DeriveLanPassword(options.LocalKey, options.Did);
        _backoff = new Backoff(options.InitialReconnectDelay, options.MaxReconnectDelay, options.Jitter);
    }

    /// <summary>The sub-device's did.</summary>
    public string Did => _options.Did;

    /// <summary>Running totals (connects, links, packets, drops, commands).</summary>
    public SubDeviceCounters Counters { get; } = new();

    /// <summary>
    /// Answers the gateway's commands. Without a handler every command is answered with
    /// <c>unknown_command</c>. Called for one command at a time per connection.
    /// </summary>
    public CommandHandler? CommandHandler { get; set; }

    /// <summary>True while a link (hello/welcome done) is up.</summary>
    public bool IsLinked => _link is { IsLinked: true };

    /// <summary>The current link's key id, or null when not linked.</summary>
    public uint? LinkKeyId => _link is { IsLinked: true } link ? link.KeyId : null;

    /// <summary>The counter the next up envelope will carry (0 after every new link), or null.</summary>
    public ulong? NextUpCounter => _link is { IsLinked: true } link ? link.NextUpCounter : null;

    /// <summary>Raised after every successful hello/welcome (on the client's loop; keep handlers short).</summary>
    public event EventHandler<LinkedInfo>? Linked;

    /// <summary>Raised when a connection ends or a connect attempt fails (not for refusals: see <see cref="Refused"/>).</summary>
    public event EventHandler<DisconnectedInfo>? Disconnected;

    /// <summary>Raised after a command's response was published.</summary>
    public event EventHandler<CommandHandledInfo>? CommandHandled;

    /// <summary>
    /// Raised when the broker refuses the credentials; the client retries after
    /// <see cref="SubDeviceClientOptions.PairingRetryDelay"/> (not authorized: maybe the pairing
    /// window is closed, for a while) or <see cref="SubDeviceClientOptions.RefusedRetryDelay"/>.
    /// </summary>
    public event EventHandler<RefusedInfo>? Refused;

    /// <summary>Starts the connect/link/reconnect loop and returns at once. Await <see cref="Linked"/> to know when packets can flow.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lifecycle)
        {
            if (_stopping is not null)
            {
                throw new InvalidOperationException("the client was already started");
            }
            _stopping = new CancellationTokenSource();
            var token = _stopping.Token;
            // The loop runs on the thread pool so a caller starting 200 clients is not held up.
            _loop = Task.Run(() => RunAsync(token), CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Seals <paramref name="message"/> under the current link key (direction sub-device → gateway,
    /// the link's key id, did set, tid absent) and publishes it at QoS 1 on <c>pi/v2/dev/{did}/up</c>.
    /// Returns once the broker acknowledged it.
    /// </summary>
    /// <exception cref="SubDeviceSendException">Not linked, the connection failed, or the broker refused the publish.</exception>
    public async Task SendAsync(SessionMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var link = _link;
        if (link is not { IsLinked: true })
        {
            throw new SubDeviceSendException();
        }
        await link.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops cleanly: publishes a retained <c>offline</c> (a normal MQTT 5 disconnect discards the last
    /// will, so the device says it itself), disconnects and ends the loop. Safe to call twice.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        CancellationTokenSource? stopping;
        lock (_lifecycle)
        {
            stopping = _stopping;
        }
        if (stopping is null || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        if (_link is { } link)
        {
            await link.CloseCleanlyAsync(cancellationToken).ConfigureAwait(false);
        }
        await stopping.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        stopping.Dispose();
    }

    /// <summary>Same as <see cref="StopAsync"/> with a short deadline.</summary>
    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await StopAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Gone either way; the broker publishes the will.
        }
    }

    /// <summary>
    /// One connection at a time, for ever: connect and link; while linked, wait for the connection
    /// to end; then wait (backoff with jitter, or the long refusal delay) and go again.
    /// </summary>
    private async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        DateTimeOffset? notAuthorizedSince = null;
        try
        {
            // A clean stop ends the loop as soon as it is asked for, so a link closed by StopAsync is
            // never followed by a new connection.
            while (Volatile.Read(ref _stopped) == 0)
            {
                stopping.ThrowIfCancellationRequested();
                var number = Interlocked.Increment(ref _connections);
                TimeSpan delay;
                var link = new Link(this, number);
                try
                {
                    var outcome = await link.ConnectAndLinkAsync(stopping).ConfigureAwait(false);
                    if (outcome.Kind == LinkOutcomeKind.Linked)
                    {
                        failures = 0;
                        notAuthorizedSince = null;
                        _link = link;
                        SubDeviceLog.Linked(_logger, Did, number, link.KeyId);
                        Raise(Linked, new LinkedInfo(number, link.KeyId));
                        var reason = await link.Closed.WaitAsync(stopping).ConfigureAwait(false);
                        _link = null;
                        if (Volatile.Read(ref _stopped) == 1)
                        {
                            reason = "stopped";
                        }
                        SubDeviceLog.LinkLost(_logger, Did, number, reason);
                        Raise(Disconnected, new DisconnectedInfo(number, true, reason));
                        // A link that worked is retried at once-ish: the first backoff step.
                        delay = _backoff.Delay(0);
                    }
                    else if (outcome.Kind == LinkOutcomeKind.Refused)
                    {
                        Counters.Refused();
                        delay = _options.RefusedRetryDelay;
                        if (outcome.Detail == nameof(MqttClientConnectResultCode.NotAuthorized))
                        {
                            // Perhaps a device waiting for the pairing window: try often for a while.
                            var now = _time.GetUtcNow();
                            notAuthorizedSince ??= now;
                            if (now - notAuthorizedSince.Value < _options.PairingRetryPeriod)
                            {
                                delay = _options.PairingRetryDelay;
                            }
                        }
                        else
                        {
                            notAuthorizedSince = null;
                        }
                        SubDeviceLog.Refused(_logger, Did, outcome.Detail, delay);
                        Raise(Refused, new RefusedInfo(outcome.Detail, delay));
                    }
                    else
                    {
                        delay = _backoff.Delay(failures++);
                        SubDeviceLog.ConnectFailed(_logger, Did, number, outcome.Detail, delay);
                        Raise(Disconnected, new DisconnectedInfo(number, false, outcome.Detail));
                    }
                }
                finally
                {
                    _link = null;
                    await link.DisposeAsync().ConfigureAwait(false);
                }
                if (Volatile.Read(ref _stopped) == 1)
                {
                    break;
                }
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }
            SubDeviceLog.Stopped(_logger, Did);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            SubDeviceLog.Stopped(_logger, Did);
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
#pragma warning disable CA1031 // A failing observer must not take the connection loop down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            SubDeviceLog.ObserverThrew(_logger, Did, typeof(T).Name, ex);
        }
    }

    private enum LinkOutcomeKind
    {
        Linked,
        Refused,
        Failed,
    }

    private readonly record struct LinkOutcome(LinkOutcomeKind Kind, string Detail)
    {
        public static LinkOutcome Ok => new(LinkOutcomeKind.Linked, "linked");

        public static LinkOutcome Refusal(string detail) => new(LinkOutcomeKind.Refused, detail);

        public static LinkOutcome Failure(string detail) => new(LinkOutcomeKind.Failed, detail);
    }
}
