using System.Net;
using System.Net.Sockets;
using Pi.Protocol.Crypto;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.SubDevice.Tests;

/// <summary>
/// The APP's side of onboarding as docs/protocol.md sections 4-6.1 describe it, from Pi.Protocol and
/// sockets only (the ideas of gateway/Pi.Gateway.Tests/Provisioning/TestApp.cs): one key pair, a
/// searchDevice under the searchkey sent to 127.0.0.1:port1 (no broadcast needed on loopback),
/// deviceInfo on port2 under the agreekey, then the TCP session on port3.
/// </summary>
internal sealed class TestApp : IDisposable
{
    private readonly EphemeralKeyPair _keyPair = EphemeralKeyPair.Generate();
    private readonly ProvisioningChannel _search;
    private readonly Socket _answers;
    private readonly ProvisioningSecret _secret;

    public TestApp(string mac, SetupCode code, int answerPort)
    {
        Mac = mac;
        _secret = ProvisioningSecret.FromSetupCode(code);
        _search = new ProvisioningChannel(KeyDerivation.DeriveSearchKey(_keyPair.PublicKey, _secret), ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);
        _answers = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _answers.Bind(new IPEndPoint(IPAddress.Loopback, answerPort));
    }

    public string Mac { get; }

    /// <summary>Datagrams waiting on port2 (0 proves nothing was answered, once the refusal was seen).</summary>
    public int PendingAnswers => _answers.Available;

    public async Task SendSearchAsync(int searchPort) =>
        await _answers.SendToAsync(_search.Seal(new SearchDevice(Mac), _keyPair.PublicKey), SocketFlags.None, new IPEndPoint(IPAddress.Loopback, searchPort));

    public async Task<(DeviceInfo Info, byte[] DevicePublicKey, SymmetricKey AgreeKey)> ReceiveDeviceInfoAsync()
    {
        var buffer = new byte[2048];
        using var timeout = new CancellationTokenSource(TestTimeouts.Long);
        var received = await _answers.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        var frame = ProvisioningFrame.Parse(buffer.AsSpan(0, received.ReceivedBytes));
        var devicePublicKey = frame.PublicKey.ToArray();
        var agreeKey = KeyDerivation.DeriveAgreeKey(_keyPair, ProvisioningRole.App, devicePublicKey, _secret);
        using var channel = new ProvisioningChannel(agreeKey, ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);
        return ((DeviceInfo)channel.Open(frame), devicePublicKey, agreeKey);
    }

    public static async Task<AppSession> ConnectAsync(DeviceInfo info, byte[] devicePublicKey, SymmetricKey agreeKey)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Parse(info.Ip), info.TcpPort);
        return new AppSession(socket, devicePublicKey, agreeKey);
    }

    public void Dispose()
    {
        _answers.Dispose();
        _search.Dispose();
        _keyPair.Dispose();
    }
}

/// <summary>The APP's TCP session under one agreekey.</summary>
internal sealed class AppSession(Socket socket, byte[] devicePublicKey, SymmetricKey agreeKey) : IAsyncDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private readonly ProvisioningChannel _channel = new(agreeKey, ProvisioningRole.App, ProvisioningTransport.Stream, openMode: false);
    private readonly StreamFrameDecoder _decoder = new();
    private readonly Queue<ProvisioningFrame> _frames = new();
    private readonly byte[] _buffer = new byte[4096];
    private bool _sentFirst;

    public async Task<ProvisioningMessage?> RequestAsync(ProvisioningMessage message)
    {
        // Rule 3: the first frame names the agreekey by the device public key.
        var frame = _channel.Seal(message, _sentFirst ? [] : devicePublicKey);
        _sentFirst = true;
        using var timeout = new CancellationTokenSource(TestTimeouts.Long);
        await _stream.WriteAsync(frame, timeout.Token);
        while (_frames.Count == 0)
        {
            var read = await _stream.ReadAsync(_buffer, timeout.Token);
            if (read == 0)
            {
                return null;
            }
            foreach (var received in _decoder.Push(_buffer.AsSpan(0, read)))
            {
                _frames.Enqueue(received);
            }
        }
        return _channel.Open(_frames.Dequeue());
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _channel.Dispose();
    }
}

internal static class Ports
{
    public static int FreeUdp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static int FreeTcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
