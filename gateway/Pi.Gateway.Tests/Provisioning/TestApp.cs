using System.Net;
using System.Net.Sockets;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// The APP's side of provisioning as docs/protocol.md sections 4-6 describe it, built only from
/// Pi.Protocol and sockets (nothing of the gateway): one key pair per APP, searchDevice under the
/// searchkey to port1, deviceInfo from port2 under the agreekey, then the TCP session.
/// </summary>
/// <remarks>
/// Port2 is shared like phones on one softAP share 10072: every APP of a test binds the same port
/// (SO_REUSEADDR on the wildcard address, where loopback broadcasts arrive) and sees every answer.
/// </remarks>
internal sealed class TestApp : IDisposable
{
    private readonly EphemeralKeyPair _keyPair = EphemeralKeyPair.Generate();
    private readonly ProvisioningChannel _search;
    private readonly Socket _socket;

    public TestApp(string mac, ProvisioningSecret secret, int answerPort, byte[]? random = null)
    {
        Mac = mac;
        Secret = secret;
        Random = random;
        _search = new ProvisioningChannel(KeyDerivation.DeriveSearchKey(_keyPair.PublicKey, secret), ProvisioningRole.App, ProvisioningTransport.Datagram, secret.IsOpenMode);
        _socket = BindAnswerSocket(answerPort);
    }

    public string Mac { get; }

    public ProvisioningSecret Secret { get; }

    public byte[]? Random { get; }

    public byte[] PublicKey => _keyPair.PublicKey.ToArray();

    /// <summary>A socket on port2 as an APP binds it: wildcard address, shared.</summary>
    public static Socket BindAnswerSocket(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { EnableBroadcast = true };
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Any, port));
        return socket;
    }

    /// <summary>The next searchDevice datagram (S11): payload = APP public key, sealed under the searchkey.</summary>
    public byte[] SealSearch(string? mac = null) => _search.Seal(new SearchDevice(mac ?? Mac, Random), _keyPair.PublicKey);

    /// <summary>A search whose plaintext is whatever the test wants (sealed correctly).</summary>
    public byte[] SealSearchPlaintext(ReadOnlySpan<byte> plaintext) => _search.SealPlaintext(ProvisioningFrameType.SearchDevice, plaintext, _keyPair.PublicKey);

    public async Task SendAsync(byte[] datagram, IPEndPoint to, CancellationToken cancellationToken) =>
        await _socket.SendToAsync(datagram, SocketFlags.None, to, cancellationToken);

    /// <summary>Searches and waits for this gateway's answer (answers to other APPs are skipped).</summary>
    public async Task<FoundGateway> SearchAsync(IPEndPoint to, CancellationToken cancellationToken)
    {
        await SendAsync(SealSearch(), to, cancellationToken);
        return await ReceiveDeviceInfoAsync(skipOthers: true, cancellationToken);
    }

    /// <summary>
    /// The next deviceInfo on port2. With <paramref name="skipOthers"/> false the first datagram must
    /// be for this APP (a test's proof that nothing else was answered before it).
    /// </summary>
    public async Task<FoundGateway> ReceiveDeviceInfoAsync(bool skipOthers, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        while (true)
        {
            var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
            var datagram = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
            try
            {
                return OpenDeviceInfo(datagram);
            }
            catch (ProtocolException) when (skipOthers)
            {
                // Another APP's answer (sealed under its agreekey): not for us.
            }
        }
    }

    /// <summary>The next datagram on port2 opened under this APP's agreekey: deviceInfo, or an error (already_provisioned).</summary>
    public async Task<ProvisioningMessage> ReceiveAnswerAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
        var frame = ProvisioningFrame.Parse(buffer.AsSpan(0, received.ReceivedBytes));
        var agreeKey = KeyDerivation.DeriveAgreeKey(_keyPair, ProvisioningRole.App, frame.PublicKey, Secret);
        using var channel = new ProvisioningChannel(agreeKey, ProvisioningRole.App, ProvisioningTransport.Datagram, Secret.IsOpenMode);
        return channel.Open(frame);
    }

    /// <summary>H50: derives the agreekey from the gateway public key in the payload and opens deviceInfo.</summary>
    /// <exception cref="ProtocolException">Not for this APP (another agreekey), or not valid.</exception>
    public FoundGateway OpenDeviceInfo(byte[] datagram)
    {
        var frame = ProvisioningFrame.Parse(datagram);
        var gatewayPublicKey = frame.PublicKey.ToArray();
        var agreeKey = KeyDerivation.DeriveAgreeKey(_keyPair, ProvisioningRole.App, gatewayPublicKey, Secret);
        using var channel = new ProvisioningChannel(agreeKey, ProvisioningRole.App, ProvisioningTransport.Datagram, Secret.IsOpenMode);
        var info = (DeviceInfo)channel.Open(frame);
        return new FoundGateway(info, gatewayPublicKey, agreeKey, datagram);
    }

    /// <summary>Opens the TCP connection to the gateway's ip:port3 from deviceInfo.</summary>
    public async Task<AppSession> ConnectAsync(FoundGateway gateway, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Parse(gateway.Info.Ip), gateway.Info.TcpPort, cancellationToken);
        return new AppSession(socket, gateway, Secret.IsOpenMode);
    }

    public void Dispose()
    {
        _socket.Dispose();
        _search.Dispose();
        _keyPair.Dispose();
    }
}

/// <summary>A deviceInfo this APP opened: what it said and the agreekey it was sealed under.</summary>
internal sealed record FoundGateway(DeviceInfo Info, byte[] GatewayPublicKey, SymmetricKey AgreeKey, byte[] Datagram);

/// <summary>The APP's TCP connection to port3 under one agreekey.</summary>
internal sealed class AppSession : IAsyncDisposable
{
    private readonly NetworkStream _stream;
    private readonly ProvisioningChannel _channel;
    private readonly StreamFrameDecoder _decoder = new();
    private readonly byte[] _gatewayPublicKey;
    private readonly byte[] _buffer = new byte[4096];
    private readonly Queue<ProvisioningFrame> _frames = new();

    public AppSession(Socket socket, FoundGateway gateway, bool openMode)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        _gatewayPublicKey = gateway.GatewayPublicKey;
        _channel = new ProvisioningChannel(gateway.AgreeKey, ProvisioningRole.App, ProvisioningTransport.Stream, openMode);
    }

    public bool SentFirstFrame { get; private set; }

    /// <summary>Seals a message; the first frame on the connection names the agreekey with the gateway public key (rule 3).</summary>
    public byte[] Seal(ProvisioningMessage message)
    {
        var bytes = _channel.Seal(message, SentFirstFrame ? [] : _gatewayPublicKey);
        SentFirstFrame = true;
        return bytes;
    }

    /// <summary>Seals any plaintext under a frame type (for malformed-content tests).</summary>
    public byte[] SealPlaintext(ProvisioningFrameType type, ReadOnlySpan<byte> plaintext)
    {
        var bytes = _channel.SealPlaintext(type, plaintext, SentFirstFrame ? [] : _gatewayPublicKey);
        SentFirstFrame = true;
        return bytes;
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await _stream.WriteAsync(bytes, cancellationToken);

    /// <summary>Sends a request and returns the gateway's reply.</summary>
    public async Task<ProvisioningMessage> RequestAsync(ProvisioningMessage message, CancellationToken cancellationToken)
    {
        await SendRawAsync(Seal(message), cancellationToken);
        return await ReceiveAsync(cancellationToken) ?? throw new IOException("the gateway closed the connection instead of answering");
    }

    /// <summary>The next message from the gateway, or null once the connection is closed.</summary>
    public async Task<ProvisioningMessage?> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (_frames.Count == 0)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer, cancellationToken);
            }
            catch (IOException ex) when (ex.InnerException is SocketException)
            {
                return null;
            }
            if (read == 0)
            {
                return null;
            }
            foreach (var frame in _decoder.Push(_buffer.AsSpan(0, read)))
            {
                _frames.Enqueue(frame);
            }
        }
        return _channel.Open(_frames.Dequeue());
    }

    /// <summary>Waits until the gateway closes the connection; returns what it sent before.</summary>
    public async Task<IReadOnlyList<ProvisioningMessage>> ReadUntilClosedAsync(CancellationToken cancellationToken)
    {
        var messages = new List<ProvisioningMessage>();
        while (await ReceiveAsync(cancellationToken) is { } message)
        {
            messages.Add(message);
        }
        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _channel.Dispose();
    }
}
