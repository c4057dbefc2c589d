using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.Protocol.Topics;

namespace Pi.SubDevice.Tests;

/// <summary>
/// A small stand-in for the gateway's side of the LAN link (docs/protocol.md, section 10), written
/// from the spec and Pi.Protocol only: an in-process MQTTnet broker on 127.0.0.1 that admits a did
/// whose password is its LAN password, answers each hello with a welcome (fresh nonce, new key id),
/// opens up-packets under that connection's link key, and seals commands down.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ConcurrentDictionary<string, Device> _devices = new(StringComparer.Ordinal);
    private int _nextKeyId;

    private TestGateway(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public string BrokerUrl => $"mqtt://127.0.0.1:{Port}";

    /// <summary>Every up-packet that opened, in arrival order.</summary>
    public Observed<UpPacket> Up { get; } = new();

    /// <summary>Every hello and the welcome it got.</summary>
    public Observed<HelloSeen> Hellos { get; } = new();

    /// <summary>Every accepted or refused connect.</summary>
    public Observed<ConnectSeen> Connects { get; } = new();

    /// <summary>Every availability publish (online/offline, retained flag).</summary>
    public Observed<AvailabilitySeen> Availability { get; } = new();

    /// <summary>While true, hellos are swallowed and no welcome is sent.</summary>
    public bool MuteHellos { get; set; }

    /// <summary>Up-packets that did not open.</summary>
    public int UpDropped => Volatile.Read(ref _upDropped);

    private int _upDropped;

    public static async Task<TestGateway> StartAsync()
    {
        var port = FreeTcpPort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions(false)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var gateway = new TestGateway(server, port);
        server.ValidatingConnectionAsync += gateway.ValidateAsync;
        server.InterceptingPublishAsync += gateway.InterceptPublishAsync;
        await server.StartAsync();
        return gateway;
    }

    /// <summary>Makes a did known with a fresh localkey.</summary>
    public SymmetricKey Add(string did)
    {
        var key = SymmetricKey.Generate();
        _devices[did] = new Device(key);
        return key;
    }

    /// <summary>Refuses future connects of <paramref name="did"/> with "not authorized".</summary>
    public void Revoke(string did) => _devices[did].Revoked = true;

    /// <summary>The link key id of the did's current connection.</summary>
    public uint KeyIdOf(string did) => _devices[did].Link!.KeyId;

    /// <summary>Seals a request for <paramref name="did"/> under its current link key (not sent).</summary>
    public byte[] Seal(string did, SessionMessage message)
    {
        var link = _devices[did].Link ?? throw new InvalidOperationException($"{did} is not linked");
        return link.Sealer.Seal(message, tid: null, did: did);
    }

    /// <summary>Publishes raw bytes on the did's down topic.</summary>
    public async Task SendDownAsync(string did, byte[] envelope)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.DeviceDown(did))
            .WithPayload(envelope)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "gateway" });
    }

    /// <summary>Seals and sends a command; returns the envelope (for replay tests).</summary>
    public async Task<byte[]> SendCommandAsync(string did, SessionRequest request)
    {
        var envelope = Seal(did, request);
        await SendDownAsync(did, envelope);
        return envelope;
    }

    /// <summary>Drops the did's connection from the broker's side (as a gateway restart would).</summary>
    public Task DropAsync(string did) =>
        _server.DisconnectClientAsync(did, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.AdministrativeAction });

    /// <summary>The retained payload on the did's availability topic, or null.</summary>
    public async Task<string?> RetainedAvailabilityAsync(string did)
    {
        var retained = await _server.GetRetainedMessagesAsync();
        var message = retained.FirstOrDefault(m => m.Topic == Topics.DeviceAvailability(did));
        return message is null ? null : System.Text.Encoding.ASCII.GetString(message.Payload.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
        foreach (var device in _devices.Values)
        {
            device.Link?.Dispose();
        }
    }

    private Task ValidateAsync(ValidatingConnectionEventArgs args)
    {
        var did = args.UserName;
        MqttConnectReasonCode code;
        if (string.IsNullOrEmpty(did) || !_devices.TryGetValue(did, out var device) || args.ClientId != did
            || args.Password is not { } password
            || !KeyDerivation.DeriveLanPassword(device.LocalKey, did).Equals(new SecretString(password)))
        {
            code = MqttConnectReasonCode.BadUserNameOrPassword;
        }
        else if (device.Revoked)
        {
            code = MqttConnectReasonCode.NotAuthorized;
        }
        else
        {
            code = MqttConnectReasonCode.Success;
        }
        args.ReasonCode = code;
        Connects.Add(new ConnectSeen(args.ClientId, args.UserName, code));
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        if (args.ClientId == "gateway" || string.IsNullOrEmpty(args.ClientId))
        {
            return;
        }
        var topic = Topics.Parse(args.ApplicationMessage.Topic);
        if (topic is not { } address || address.Id != args.ClientId
            || address.Kind is not (TopicKind.DeviceHello or TopicKind.DeviceUp or TopicKind.DeviceAvailability))
        {
            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return;
        }
        var did = address.Id!;
        var payload = args.ApplicationMessage.Payload.ToArray();
        var device = _devices[did];
        switch (address.Kind)
        {
            case TopicKind.DeviceHello:
                args.ProcessPublish = false;
                if (MuteHellos)
                {
                    break;
                }
                var hello = ProtocolJson.Deserialize<LinkHello>(payload);
                var gatewayNonce = RandomNumberGenerator.GetBytes(KeyDerivation.NonceSize);
                var keyId = (uint)Interlocked.Increment(ref _nextKeyId);
                var linkKey = KeyDerivation.DeriveLinkKey(device.LocalKey, hello.Nonce, gatewayNonce, did);
                device.Link?.Dispose();
                device.Link = new GatewayLink(keyId,
                    new EnvelopeOpener(linkKey, keyId, Direction.SubDeviceToGateway, did: did),
                    new EnvelopeSealer(linkKey, keyId, Direction.GatewayToSubDevice));
                Hellos.Add(new HelloSeen(did, hello.Nonce, gatewayNonce, keyId));
                var welcome = new MqttApplicationMessageBuilder()
                    .WithTopic(Topics.DeviceWelcome(did))
                    .WithPayload(ProtocolJson.Serialize(new LinkWelcome(gatewayNonce, keyId)))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();
                await _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(welcome) { SenderClientId = "gateway" });
                break;
            case TopicKind.DeviceUp:
                args.ProcessPublish = false;
                try
                {
                    var (header, message) = device.Link!.Opener.OpenMessage(payload);
                    Up.Add(new UpPacket(did, header, message));
                }
                catch (ProtocolException)
                {
                    Interlocked.Increment(ref _upDropped);
                }
                break;
            case TopicKind.DeviceAvailability:
                Availability.Add(new AvailabilitySeen(did, System.Text.Encoding.ASCII.GetString(payload), args.ApplicationMessage.Retain));
                break;
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Device(SymmetricKey localKey)
    {
        public SymmetricKey LocalKey { get; } = localKey;

        public volatile bool Revoked;

        public GatewayLink? Link { get; set; }
    }

    private sealed record GatewayLink(uint KeyId, EnvelopeOpener Opener, EnvelopeSealer Sealer) : IDisposable
    {
        public void Dispose()
        {
            Opener.Dispose();
            Sealer.Dispose();
        }
    }
}

internal sealed record UpPacket(string Did, EnvelopeHeader Header, SessionMessage Message);

internal sealed record HelloSeen(string Did, byte[] DeviceNonce, byte[] GatewayNonce, uint KeyId);

internal sealed record ConnectSeen(string ClientId, string? UserName, MqttConnectReasonCode Result);

internal sealed record AvailabilitySeen(string Did, string Payload, bool Retained);

/// <summary>
/// Things that happened, and a way to await one (already seen or still to come) without polling.
/// </summary>
internal sealed class Observed<T>
{
    private readonly Lock _lock = new();
    private readonly List<T> _items = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Waiter)> _waiters = [];

    public IReadOnlyList<T> Snapshot()
    {
        lock (_lock)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        List<TaskCompletionSource<T>> done = [];
        lock (_lock)
        {
            _items.Add(item);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(item))
                {
                    done.Add(_waiters[i].Waiter);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (var waiter in done)
        {
            waiter.TrySetResult(item);
        }
    }

    /// <summary>The first item (in order) that matches, waiting for it if need be.</summary>
    public Task<T> WaitAsync(Func<T, bool> match, int skip = 0)
    {
        lock (_lock)
        {
            var matching = _items.Where(match).Skip(skip).Take(1).ToList();
            if (matching.Count > 0)
            {
                return Task.FromResult(matching[0]);
            }
            var already = _items.Count(match);
            var waiter = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            var remaining = skip - already;
            _waiters.Add((item =>
            {
                if (!match(item))
                {
                    return false;
                }
                return remaining-- <= 0;
            }, waiter));
            return waiter.Task.WaitAsync(TestTimeouts.Long);
        }
    }
}

internal static class TestTimeouts
{
    /// <summary>A bound on any single wait: generous for a loaded 2-core CI machine, never slept.</summary>
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
}
