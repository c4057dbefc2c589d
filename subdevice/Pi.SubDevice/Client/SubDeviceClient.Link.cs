using System.Buffers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.SubDevice.Client;

public sealed partial class SubDeviceClient
{
    /// <summary>
    /// One MQTT connection and the link key that lives exactly as long as it. A new connection is a
    /// new <see cref="Link"/>: new nonces, new key, counters from 0, a fresh replay window.
    /// </summary>
    private sealed class Link : IAsyncDisposable
    {
        private readonly SubDeviceClient _owner;
        private readonly int _number;
        private readonly IMqttClient _mqtt;
        private readonly string _upTopic;
        private readonly string _downTopic;
        private readonly string _welcomeTopic;
        private readonly string _availabilityTopic;
        private readonly byte[] _helloNonce = RandomNumberGenerator.GetBytes(KeyDerivation.NonceSize);
        private readonly TaskCompletionSource<LinkWelcome> _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Channel<SessionRequest> _commands;
        private readonly CancellationTokenSource _linkCts = new();
        private EnvelopeSealer? _sealer;
        private EnvelopeOpener? _opener;
        private Task _commandLoop = Task.CompletedTask;
        private volatile bool _linked;

        public Link(SubDeviceClient owner, int number)
        {
            _owner = owner;
            _number = number;
            var did = owner.Did;
            _upTopic = Topics.DeviceUp(did);
            _downTopic = Topics.DeviceDown(did);
            _welcomeTopic = Topics.DeviceWelcome(did);
            _availabilityTopic = Topics.DeviceAvailability(did);
            _commands = Channel.CreateBounded<SessionRequest>(new BoundedChannelOptions(owner._options.CommandQueueLimit)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _mqtt = new MqttClientFactory().CreateMqttClient();
            _mqtt.ApplicationMessageReceivedAsync += OnMessageAsync;
            _mqtt.DisconnectedAsync += args =>
            {
                _closed.TrySetResult(args.ReasonString ?? args.Reason.ToString());
                return Task.CompletedTask;
            };
        }

        public bool IsLinked => _linked;

        public uint KeyId { get; private set; }

        public ulong NextUpCounter => _sealer?.NextCounter ?? 0;

        /// <summary>Completes with a reason when the MQTT connection ends.</summary>
        public Task<string> Closed => _closed.Task;

        public async Task<LinkOutcome> ConnectAndLinkAsync(CancellationToken cancellationToken)
        {
            var options = _owner._options;
            var did = _owner.Did;

            // 1. Connect. MQTT 5, clean start (nothing is kept between connections), the last will
            //    says "offline" (retained) if the connection dies without a clean goodbye.
            var builder = new MqttClientOptionsBuilder()
                .WithTcpServer(options.Broker.Host, options.Broker.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId(did)
                .WithCredentials(did, _owner._password.Reveal())
                .WithCleanStart()
                .WithKeepAlivePeriod(options.KeepAlive)
                .WithTimeout(options.ConnectTimeout)
                .WithWillTopic(_availabilityTopic)
                .WithWillPayload(Topics.Offline)
                .WithWillRetain()
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (options.Broker.UseTls)
            {
                builder.WithTlsOptions(tls => tls
                    .UseTls()
                    .WithTargetHost(options.Broker.Host)
                    .WithCertificateValidationHandler(args => options.Broker.ValidateCertificate(args.Certificate, args.SslPolicyErrors)));
            }
            try
            {
                var connected = await _mqtt.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
                if (connected.ResultCode != MqttClientConnectResultCode.Success)
                {
                    // MQTTnet 5 reports a refused connect as a result code, not an exception.
                    return Classify(connected.ResultCode);
                }
            }
            catch (Exception ex) when (IsTransportFailure(ex, cancellationToken))
            {
                _owner.Counters.ConnectFailed();
                return LinkOutcome.Failure($"cannot reach the broker ({ex.GetType().Name})");
            }
            _owner.Counters.Connected();

            try
            {
                // 2. Subscribe BEFORE the hello, so the welcome cannot arrive unheard. A clean start
                //    forgets subscriptions, which is why this runs on every connect.
                var subscribed = await _mqtt.SubscribeAsync(
                    new MqttClientSubscribeOptionsBuilder()
                        .WithTopicFilter(_welcomeTopic, MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithTopicFilter(_downTopic, MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build(),
                    cancellationToken).ConfigureAwait(false);
                if (subscribed.Items.Any(item => item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS0)))
                {
                    return LinkOutcome.Refusal("SubscriptionRefused");
                }

                // 3. Hello with a fresh random nonce (plain JSON: nothing in it is secret).
                var hello = ProtocolJson.Serialize(new LinkHello(_helloNonce));
                var published = await PublishAsync(Topics.DeviceHello(did), hello, retain: false, cancellationToken).ConfigureAwait(false);
                if (published == MqttClientPublishReasonCode.NotAuthorized)
                {
                    return LinkOutcome.Refusal("HelloNotAuthorized");
                }

                // 4. Wait for the welcome; no welcome in time means no link: drop the connection and retry.
                var first = await Task.WhenAny(_welcome.Task, _closed.Task)
                    .WaitAsync(options.WelcomeTimeout, _owner._time, cancellationToken).ConfigureAwait(false);
                if (first != _welcome.Task)
                {
                    return LinkOutcome.Failure($"the broker closed the connection before the welcome ({_closed.Task.Result})");
                }
                var welcome = await _welcome.Task.ConfigureAwait(false);

                // 5. The link key: HKDF(localkey, our nonce || gateway nonce, "pi-gateway/v2 linkkey" || did).
                //    Each side seals with counters from 0 in its own direction; the opener keeps a
                //    64-packet sliding replay window (MQTT may redeliver at QoS 1).
                var linkKey = KeyDerivation.DeriveLinkKey(options.LocalKey, _helloNonce, welcome.Nonce, did);
                KeyId = welcome.KeyId;
                _sealer = new EnvelopeSealer(linkKey, welcome.KeyId, Direction.SubDeviceToGateway);
                _opener = new EnvelopeOpener(linkKey, welcome.KeyId, Direction.GatewayToSubDevice, did: did);
                _linked = true;
                _commandLoop = Task.Run(() => HandleCommandsAsync(_linkCts.Token), CancellationToken.None);

                // 6. Birth message: retained "online" on the availability topic.
                await PublishAsync(_availabilityTopic, "online"u8.ToArray(), retain: true, cancellationToken).ConfigureAwait(false);
                _owner.Counters.Linked();
                return LinkOutcome.Ok;
            }
            catch (TimeoutException)
            {
                _owner.Counters.WelcomeTimedOut();
                return LinkOutcome.Failure($"no welcome within {options.WelcomeTimeout.TotalSeconds:0.###} s");
            }
            catch (Exception ex) when (IsTransportFailure(ex, cancellationToken))
            {
                return LinkOutcome.Failure($"the connection failed while linking ({ex.GetType().Name})");
            }
        }

        /// <summary>Seals and publishes one message on <c>up</c>.</summary>
        public async Task SendAsync(SessionMessage message, CancellationToken cancellationToken)
        {
            if (!_linked || _sealer is null)
            {
                throw new SubDeviceSendException();
            }
            byte[] envelope;
            try
            {
                // Sub-device → gateway: the did names the sender, the tid is absent (section 7).
                envelope = _sealer.Seal(message, tid: null, did: _owner.Did);
            }
            catch (ObjectDisposedException ex)
            {
                throw new SubDeviceSendException("the link closed while sealing", ex);
            }
            MqttClientPublishReasonCode reason;
            try
            {
                reason = await PublishAsync(_upTopic, envelope, retain: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransportFailure(ex, cancellationToken))
            {
                throw new SubDeviceSendException("the connection failed while publishing", ex);
            }
            if (reason is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
            {
                throw new SubDeviceSendException($"the broker refused the publish ({reason})");
            }
            _owner.Counters.SentOne();
        }

        /// <summary>The clean goodbye: retained offline, then a normal disconnect (which discards the will).</summary>
        public async Task CloseCleanlyAsync(CancellationToken cancellationToken)
        {
            _linked = false;
            if (!_mqtt.IsConnected)
            {
                return;
            }
            try
            {
                await PublishAsync(_availabilityTopic, "offline"u8.ToArray(), retain: true, cancellationToken).ConfigureAwait(false);
                await _mqtt.DisconnectAsync(
                    new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransportFailure(ex, cancellationToken))
            {
                // The connection is gone anyway; the broker publishes the will.
            }
        }

        public async ValueTask DisposeAsync()
        {
            _linked = false;
            await _linkCts.CancelAsync().ConfigureAwait(false);
            _commands.Writer.TryComplete();
            try
            {
                await _commandLoop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
            if (_mqtt.IsConnected)
            {
                // Not a clean stop (the loop is being cancelled mid-link, or the welcome never came):
                // ask the broker to publish the will, so "offline" is what stays retained.
                try
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _mqtt.DisconnectAsync(
                        new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage).Build(),
                        deadline.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportFailure(ex, CancellationToken.None) || ex is OperationCanceledException)
                {
                    // gone
                }
            }
            _mqtt.Dispose();
            _sealer?.Dispose();
            _opener?.Dispose();
            _linkCts.Dispose();
        }

        private async Task<MqttClientPublishReasonCode> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
        {
            var result = await _mqtt.PublishAsync(
                new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(payload)
                    .WithRetainFlag(retain)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build(),
                cancellationToken).ConfigureAwait(false);
            return result.ReasonCode;
        }

        private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
        {
            var topic = args.ApplicationMessage.Topic;
            var payload = args.ApplicationMessage.Payload;
            if (payload.Length > SessionEnvelope.DefaultMaxSize)
            {
                Drop("frame_too_large");
                return Task.CompletedTask;
            }
            if (string.Equals(topic, _welcomeTopic, StringComparison.Ordinal))
            {
                OnWelcome(payload.ToArray());
            }
            else if (string.Equals(topic, _downTopic, StringComparison.Ordinal))
            {
                OnDown(payload.ToArray());
            }
            return Task.CompletedTask;
        }

        private void OnWelcome(byte[] payload)
        {
            if (_welcome.Task.IsCompleted)
            {
                // One welcome per connection: a second one (a stale retained message, a forgery)
                // must not change a key that is already in use.
                Drop("unexpected_message");
                return;
            }
            try
            {
                _welcome.TrySetResult(ProtocolJson.Deserialize<LinkWelcome>(payload));
            }
            catch (ProtocolException ex)
            {
                Drop(ProtocolErrors.Name(ex.Code));
            }
        }

        private void OnDown(byte[] payload)
        {
            var opener = _opener;
            if (!_linked || opener is null)
            {
                Drop("no_link");
                return;
            }
            SessionMessage message;
            try
            {
                // Checks direction, key id, did, replay window and tag; a failure changes nothing.
                (_, message) = opener.OpenMessage(payload);
            }
            catch (ProtocolException ex)
            {
                Drop(ProtocolErrors.Name(ex.Code));
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            _owner.Counters.ReceivedOne();
            if (message is SessionRequest request)
            {
                if (!_commands.Writer.TryWrite(request))
                {
                    Drop("queue_full");
                }
            }
            else
            {
                SubDeviceLog.Ignored(_owner._logger, _owner.Did, message.GetType().Name);
            }
        }

        /// <summary>One command at a time: handler, then the response sealed back on <c>up</c>.</summary>
        private async Task HandleCommandsAsync(CancellationToken cancellationToken)
        {
            await foreach (var request in _commands.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var result = await RunHandlerAsync(request, cancellationToken).ConfigureAwait(false);
                var response = result.ToResponse(request);
                try
                {
                    await SendAsync(response, cancellationToken).ConfigureAwait(false);
                }
                catch (SubDeviceSendException ex)
                {
                    SubDeviceLog.ResponseNotSent(_owner._logger, _owner.Did, request.Txn, ex.Message);
                    continue;
                }
                _owner.Counters.HandledOne();
                _owner.Raise(_owner.CommandHandled, new CommandHandledInfo(request, response));
            }
        }

        private async Task<CommandResult> RunHandlerAsync(SessionRequest request, CancellationToken cancellationToken)
        {
            var handler = _owner.CommandHandler;
            if (handler is null)
            {
                return CommandResult.Failure(ProtocolErrorCode.UnknownCommand, "this sub-device takes no commands");
            }
            try
            {
                return await handler(request, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A throwing handler is answered with "internal", not a dead link.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                SubDeviceLog.HandlerThrew(_owner._logger, _owner.Did, request.Command, ex);
                return CommandResult.Failure(ProtocolErrorCode.Internal, "the sub-device failed to run the command");
            }
        }

        private void Drop(string why)
        {
            _owner.Counters.DroppedOne();
            SubDeviceLog.Dropped(_owner._logger, _owner.Did, _number, why);
        }

        private LinkOutcome Classify(MqttClientConnectResultCode code)
        {
            if (code is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized
                or MqttClientConnectResultCode.ClientIdentifierNotValid or MqttClientConnectResultCode.Banned)
            {
                return LinkOutcome.Refusal(code.ToString());
            }
            _owner.Counters.ConnectFailed();
            return LinkOutcome.Failure($"the broker answered {code}");
        }

        private static bool IsTransportFailure(Exception ex, CancellationToken cancellationToken) =>
            ex is MqttCommunicationException or SocketException or IOException or AuthenticationException or ObjectDisposedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);
    }
}
