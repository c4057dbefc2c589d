using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Gateway.Cloud;

/// <summary>Why the session channel could not be opened.</summary>
public enum ConnectFailureKind
{
    /// <summary>The broker refused the session credentials: the session is over, log in again.</summary>
    Refused = 1,

    /// <summary>The broker could not be reached or the connection failed: retry later.</summary>
    Unreachable = 2,
}

/// <summary>One message from the cloud, opened under the session.</summary>
public sealed record InboundMessage(EnvelopeHeader Header, SessionMessage Message);

/// <summary>
/// S402-S403: the session channel over MQTT (TLS unless the cloud's URL says mqtt://): username
/// = tid, password = the session token; publishes sealed envelopes on its own up topic, receives on
/// its own down topic, keeps a retained availability with a last will. Every down envelope is
/// opened under the sessionkey with a replay window; what does not open is dropped and logged.
/// </summary>
public sealed partial class CloudSessionChannel : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly string _tid;
    private readonly SessionCrypto _crypto;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SessionMessage>> _pending = new(StringComparer.Ordinal);
    private readonly Func<CloudSessionChannel, InboundMessage, Task> _onMessage;
    private readonly ILogger _logger;
    private int _closing;

    private CloudSessionChannel(IMqttClient client, string tid, LoginReply session, SessionCrypto crypto, Func<CloudSessionChannel, InboundMessage, Task> onMessage, ILogger logger)
    {
        _client = client;
        _tid = tid;
        _onMessage = onMessage;
        _logger = logger;
        SessionKeyId = session.SessionKeyId;
        ExpiresAt = session.SessionExpiresAt;
        _crypto = crypto;
        _client.ApplicationMessageReceivedAsync += OnReceivedAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>The session's key id.</summary>
    public uint SessionKeyId { get; }

    /// <summary>When the cloud stops accepting this session.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>True while connected.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Raised once when the connection is lost (not when closed by <see cref="DisposeAsync"/>).</summary>
    public event Action<string>? Lost;

    /// <summary>Connects, subscribes to the down topic and announces itself online.</summary>
    public static async Task<(CloudSessionChannel? Channel, ConnectFailureKind? Failure, string? Detail)> ConnectAsync(
        string tid,
        LoginReply session,
        SessionCrypto crypto,
        CloudTrust trust,
        CloudClientOptions options,
        Func<CloudSessionChannel, InboundMessage, Task> onMessage,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(session.MqttUrl, UriKind.Absolute, out var url) || url.Scheme is not ("mqtt" or "mqtts"))
        {
            return (null, ConnectFailureKind.Unreachable, "the login reply named no usable MQTT URL");
        }
        var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(url.Host, url.Port > 0 ? url.Port : url.Scheme == "mqtts" ? 8883 : 1883)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(tid)
            .WithCredentials(tid, session.SessionToken.Reveal())
            .WithCleanStart()
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout)
            .WithWillTopic(Topics.GatewayAvailability(tid))
            .WithWillPayload(Topics.Offline)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (url.Scheme == "mqtts")
        {
            builder.WithTlsOptions(o => o.UseTls().WithTargetHost(url.Host).WithCertificateValidationHandler(args => trust.Validate(args.Certificate, args.SslPolicyErrors)));
        }
        var channel = new CloudSessionChannel(client, tid, session, crypto, onMessage, logger);
        try
        {
            var result = await client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
                var refused = result.ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized
                    or MqttClientConnectResultCode.ClientIdentifierNotValid or MqttClientConnectResultCode.Banned;
                return (null, refused ? ConnectFailureKind.Refused : ConnectFailureKind.Unreachable, $"the broker answered {result.ResultCode}");
            }
            var subscribed = await client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.GatewayDown(tid), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                cancellationToken).ConfigureAwait(false);
            var granted = subscribed.Items.FirstOrDefault()?.ResultCode;
            if (granted is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS0))
            {
                await channel.DisposeAsync().ConfigureAwait(false);
                return (null, ConnectFailureKind.Refused, $"the down topic was refused ({granted})");
            }
            await channel.PublishAsync(Topics.GatewayAvailability(tid), "online"u8.ToArray(), retain: true, cancellationToken).ConfigureAwait(false);
            return (channel, null, null);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return (null, ConnectFailureKind.Unreachable, $"cannot reach the broker: {e.GetType().Name}");
        }
    }

    /// <summary>Seals and publishes one message (<paramref name="did"/> when it concerns a sub-device).</summary>
    /// <exception cref="CloudChannelException">Not connected, or the broker refused the publish.</exception>
    public async Task SendAsync(SessionMessage message, string? did, CancellationToken cancellationToken)
    {
        var envelope = _crypto.Seal(message, did);
        await PublishAsync(Topics.GatewayUp(_tid), envelope, retain: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a message that carries a txn and waits for the cloud's answer with the same txn.</summary>
    /// <exception cref="CloudChannelException">Not connected, refused, or no answer within <paramref name="timeout"/>.</exception>
    public async Task<SessionMessage> RequestAsync(SessionMessage message, string txn, string? did, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<SessionMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(txn, answer))
        {
            throw new CloudChannelException("a request with this txn is already waiting");
        }
        try
        {
            await SendAsync(message, did, cancellationToken).ConfigureAwait(false);
            return await answer.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new CloudChannelException($"no answer within {timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            _pending.TryRemove(txn, out _);
        }
    }

    /// <summary>A fresh transaction id.</summary>
    public static string NewTxn() => "g" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Closes the channel (announcing offline first when still connected).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }
        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await PublishAsync(Topics.GatewayAvailability(_tid), "offline"u8.ToArray(), retain: true, timeout.Token).ConfigureAwait(false);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CloudChannelException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                // closing anyway
            }
        }
        foreach (var (_, waiter) in _pending)
        {
            waiter.TrySetException(new CloudChannelException("the session channel closed"));
        }
        _client.Dispose(); // the session's crypto belongs to the session, not to this connection
    }

    private async Task PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            throw new CloudChannelException("the session channel is not connected");
        }
        MqttClientPublishResult result;
        try
        {
            result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithRetainFlag(retain)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), cancellationToken).ConfigureAwait(false);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException e)
        {
            throw new CloudChannelException("the session channel failed while publishing", e);
        }
        if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
        {
            throw new CloudChannelException($"the broker refused the publish: {result.ReasonCode}");
        }
    }

    private async Task OnReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        if (!string.Equals(args.ApplicationMessage.Topic, Topics.GatewayDown(_tid), StringComparison.Ordinal))
        {
            return;
        }
        InboundMessage inbound;
        try
        {
            var payload = args.ApplicationMessage.Payload;
            if (payload.Length > SessionEnvelope.DefaultMaxSize)
            {
                LogRefused(_logger, "frame_too_large");
                return;
            }
            var (header, message) = _crypto.Open(payload.ToArray());
            inbound = new InboundMessage(header, message);
        }
        catch (ProtocolException e)
        {
            LogRefused(_logger, ProtocolErrors.Name(e.Code));
            return;
        }
        catch (CloudChannelException)
        {
            return; // the session ended while this connection was closing
        }
        if (Txn(inbound.Message) is { } txn && inbound.Message is SessionResponse or Ack or ResetUnbindResult or SessionError
            && _pending.TryRemove(txn, out var waiter))
        {
            waiter.TrySetResult(inbound.Message);
            return;
        }
        try
        {
            await _onMessage(this, inbound).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogHandlerFailed(_logger, inbound.Message.GetType().Name, e);
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        if (Volatile.Read(ref _closing) == 0)
        {
            foreach (var (_, waiter) in _pending)
            {
                waiter.TrySetException(new CloudChannelException("the session channel was lost"));
            }
            Lost?.Invoke(args.ReasonString ?? args.Reason.ToString());
        }
        return Task.CompletedTask;
    }

    private static string? Txn(SessionMessage message) => message switch
    {
        SessionResponse m => m.Txn,
        Ack m => m.Txn,
        ResetUnbindResult m => m.Txn,
        SessionError m => m.Txn,
        _ => null,
    };

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Refused a down packet from the cloud: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Handling {Message} from the cloud failed")]
    private static partial void LogHandlerFailed(ILogger logger, string message, Exception exception);
}

/// <summary>The session channel is not usable for this operation.</summary>
public sealed class CloudChannelException : Exception
{
    public CloudChannelException()
    {
    }

    public CloudChannelException(string message)
        : base(message)
    {
    }

    public CloudChannelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
