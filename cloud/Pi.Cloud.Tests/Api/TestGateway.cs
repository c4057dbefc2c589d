using System.Buffers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pi.Cloud.Http;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.Cloud.Tests.Api;

/// <summary>
/// A gateway built only from Pi.Protocol and MQTTnet, as the real gateway will be: it logs in
/// over HTTPS (challenge, sealed request, sealed reply) and holds the session channel over MQTT/TLS.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly CloudHost _host;
    private readonly HttpClient _http;
    private IMqttClient? _mqtt;
    private EnvelopeSealer? _up;
    private EnvelopeOpener? _down;
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TestGateway(CloudHost host, RegisterGatewayResponse registration)
    {
        _host = host;
        _http = host.CreateClient();
        Tid = registration.Tid;
        Password = registration.Password;
        AccessKey = SymmetricKey.Parse(registration.AccessKey);
        KeyId = registration.KeyId;
    }

    public string Tid { get; }

    public string Password { get; set; }

    public SymmetricKey AccessKey { get; set; }

    public uint KeyId { get; set; }

    public LoginReply? Session { get; private set; }

    /// <summary>Every down message, opened.</summary>
    public Channel<(EnvelopeHeader Header, SessionMessage Message)> Received { get; } = Channel.CreateUnbounded<(EnvelopeHeader, SessionMessage)>();

    /// <summary>Down payloads that did not open.</summary>
    public Channel<Exception> Unopened { get; } = Channel.CreateUnbounded<Exception>();

    /// <summary>Fetches a challenge.</summary>
    public async Task<LoginChallenge> GetChallengeAsync()
    {
        var response = await _http.PostAsJsonAsync("/api/gateway/login/challenge", new { tid = Tid });
        response.EnsureSuccessStatusCode();
        return ProtocolJson.Deserialize<LoginChallenge>(await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>Posts a sealed login envelope answering <paramref name="challenge"/>.</summary>
    public Task<HttpResponseMessage> PostLoginAsync(byte[] envelope, byte[] challenge)
    {
        var content = new ByteArrayContent(envelope);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/gateway/login") { Content = content };
        request.Headers.Add(GatewayApi.ChallengeHeader, Convert.ToBase64String(challenge));
        return _http.SendAsync(request);
    }

    /// <summary>Logs in; throws with the problem body when refused.</summary>
    public async Task<LoginReply> LoginAsync()
    {
        var challenge = await GetChallengeAsync();
        using var login = new GatewayLogin(Tid, new SecretString(Password), AccessKey, KeyId, challenge);
        var response = await PostLoginAsync(login.SealRequest(), challenge.Challenge);
        if (!response.IsSuccessStatusCode)
        {
            throw new LoginRefusedException((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        Session = login.OpenReply(await response.Content.ReadAsByteArrayAsync());
        _up?.Dispose();
        _down?.Dispose();
        _up = new EnvelopeSealer(Session.SessionKey, Session.SessionKeyId, Direction.GatewayToCloud);
        _down = new EnvelopeOpener(Session.SessionKey, Session.SessionKeyId, Direction.CloudToGateway, tid: Tid);
        return Session;
    }

    /// <summary>Connects to the session channel; returns the CONNACK result code.</summary>
    public async Task<MqttClientConnectResultCode> ConnectAsync(string? password = null, string? clientId = null)
    {
        if (_mqtt is not null)
        {
            await DisconnectAsync();
        }
        _mqtt = new MqttClientFactory().CreateMqttClient();
        var disconnected = _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _mqtt.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        _mqtt.ApplicationMessageReceivedAsync += e =>
        {
            var payload = e.ApplicationMessage.Payload.ToArray();
            try
            {
                Received.Writer.TryWrite(_down!.OpenMessage(payload));
            }
            catch (Exception ex) when (ex is Pi.Protocol.Errors.ProtocolException)
            {
                Unopened.Writer.TryWrite(ex);
            }
            return Task.CompletedTask;
        };
        // Where the session channel lives comes from the login reply, as on a real gateway.
        var url = new Uri(Session?.MqttUrl ?? $"mqtts://127.0.0.1:{_host.MqttPort}");
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(url.Host, url.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId ?? Tid)
            .WithCredentials(Tid, password ?? Session!.SessionToken.Reveal())
            .WithWillTopic(Topics.GatewayAvailability(Tid))
            .WithWillPayload(Topics.Offline)
            .WithWillRetain()
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (url.Scheme == "mqtts")
        {
            builder.WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(args =>
                args.Certificate is not null && args.Certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(_host.CertificateHash)));
        }
        var options = builder.Build();
        var result = await _mqtt.ConnectAsync(options);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            return result.ResultCode;
        }
        var subscribed = await _mqtt.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.GatewayDown(Tid), MqttQualityOfServiceLevel.AtLeastOnce).Build());
        if (subscribed.Items.First().ResultCode != MqttClientSubscribeResultCode.GrantedQoS1)
        {
            throw new InvalidOperationException($"down subscription refused: {subscribed.Items.First().ResultCode}");
        }
        await PublishRawAsync(Topics.GatewayAvailability(Tid), "online"u8.ToArray(), retain: true);
        return result.ResultCode;
    }

    public bool IsConnected => _mqtt?.IsConnected == true;

    /// <summary>Completes when the current connection ends (the cloud closed it, or the test did); fails after <paramref name="seconds"/>.</summary>
    public async Task WaitDisconnectedAsync(int seconds = 10)
    {
        try
        {
            await _disconnected.Task.WaitAsync(TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"gateway {Tid} was not disconnected within {seconds} s");
        }
    }

    public IMqttClient Mqtt => _mqtt ?? throw new InvalidOperationException("not connected");

    /// <summary>Seals and publishes one message on the up topic.</summary>
    public Task<MqttClientPublishResult> SendAsync(SessionMessage message, string? did = null) =>
        PublishRawAsync(Topics.GatewayUp(Tid), Seal(message, did));

    /// <summary>Seals and publishes a plaintext as it is (for messages the encoder would refuse).</summary>
    public Task<MqttClientPublishResult> SendPlaintextAsync(byte[] plaintext, string? did = null) =>
        PublishRawAsync(Topics.GatewayUp(Tid), _up!.Seal(plaintext, Tid, did));

    /// <summary>Seals one message without sending it.</summary>
    public byte[] Seal(SessionMessage message, string? did = null) => _up!.Seal(message, Tid, did);

    public Task<MqttClientPublishResult> PublishRawAsync(string topic, byte[] payload, bool retain = false) =>
        Mqtt.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    /// <summary>The next down message, or a clear failure after <paramref name="seconds"/>.</summary>
    public async Task<(EnvelopeHeader Header, SessionMessage Message)> NextAsync(int seconds = 10)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            return await Received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"gateway {Tid} received nothing within {seconds} s");
        }
    }

    /// <summary>The next down message of type <typeparamref name="T"/>, skipping others.</summary>
    public async Task<(EnvelopeHeader Header, T Message)> NextAsync<T>(int seconds = 10) where T : SessionMessage
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var left = (int)Math.Max(1, (deadline - DateTime.UtcNow).TotalSeconds);
            var (header, message) = await NextAsync(left);
            if (message is T typed)
            {
                return (header, typed);
            }
        }
    }

    /// <summary>Answers every request from the cloud with <paramref name="answer"/> (run in the background).</summary>
    public Task AnswerRequestsAsync(Func<EnvelopeHeader, SessionRequest, SessionMessage> answer, CancellationToken cancellationToken) =>
        Task.Run(async () =>
        {
            await foreach (var (header, message) in Received.Reader.ReadAllAsync(cancellationToken))
            {
                if (message is SessionRequest request)
                {
                    await SendAsync(answer(header, request), header.Did);
                }
            }
        }, cancellationToken);

    public async Task DisconnectAsync()
    {
        if (_mqtt is { } mqtt)
        {
            _mqtt = null;
            if (mqtt.IsConnected)
            {
                await mqtt.DisconnectAsync();
            }
            mqtt.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync();
        _up?.Dispose();
        _down?.Dispose();
        _http.Dispose();
    }
}

/// <summary>The cloud refused a login.</summary>
public sealed class LoginRefusedException(int status, string problem) : Exception($"login refused ({status}): {problem}")
{
    public int Status { get; } = status;

    public string Problem { get; } = problem;
}
