using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace Pi.Gateway.Bridge;

/// <summary>
/// The local broker's listeners. MQTTnet's own TCP adapter neither reports the port it bound (tests
/// ask for port 0) nor limits the size of a packet a client may send: a sub-device on the LAN could
/// make the gateway buffer hundreds of megabytes. This adapter accepts the sockets itself, wraps each
/// stream in <see cref="MqttPacketLimitStream"/> and hands MQTTnet a channel adapter as its own
/// listener would.
/// </summary>
public sealed class LanServerAdapter : IMqttServerAdapter
{
    private readonly IPAddress _address;
    private readonly int _port;
    private readonly int _tlsPort;
    private readonly X509Certificate2? _certificate;
    private readonly int _maxPacketSize;
    private readonly Action<EndPoint?> _oversized;
    private readonly List<TcpListener> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private MqttServerOptions? _options;
    private IMqttNetLogger _logger = MqttNetNullLogger.Instance;

    public LanServerAdapter(IPAddress address, int port, int tlsPort, X509Certificate2? certificate, int maxPacketSize, Action<EndPoint?> oversized)
    {
        _address = address;
        _port = port;
        _tlsPort = tlsPort;
        _certificate = certificate;
        _maxPacketSize = maxPacketSize;
        _oversized = oversized;
    }

    /// <inheritdoc />
    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>The plain MQTT endpoint, once started (null when off).</summary>
    public IPEndPoint? Endpoint { get; private set; }

    /// <summary>The TLS endpoint, once started (null when off).</summary>
    public IPEndPoint? TlsEndpoint { get; private set; }

    /// <inheritdoc />
    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _options = options;
        _logger = logger;
        if (_port >= 0)
        {
            Endpoint = Listen(_port, tls: false);
        }
        if (_certificate is not null)
        {
            TlsEndpoint = Listen(_tlsPort, tls: true);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync()
    {
        lock (_listeners)
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
            }
            foreach (var listener in _listeners)
            {
                listener.Stop();
            }
            _listeners.Clear();
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => StopAsync().GetAwaiter().GetResult(); // the token source is left to the GC: accept loops may still read it

    private IPEndPoint Listen(int port, bool tls)
    {
        var listener = new TcpListener(_address, port);
        listener.Server.NoDelay = true;
        listener.Start(512);
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
        _ = AcceptLoopAsync(listener, tls);
        return (IPEndPoint)listener.LocalEndpoint;
    }

    private async Task AcceptLoopAsync(TcpListener listener, bool tls)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            _ = ServeAsync(socket, tls);
        }
    }

    private async Task ServeAsync(Socket socket, bool tls)
    {
        var remote = socket.RemoteEndPoint;
        var local = socket.LocalEndPoint;
        Stream? stream = null;
        try
        {
            socket.NoDelay = true;
            stream = new NetworkStream(socket, ownsSocket: true);
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                handshake.CancelAfter(TimeSpan.FromSeconds(10));
                await ssl.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _certificate,
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        ClientCertificateRequired = false,
                    },
                    handshake.Token).ConfigureAwait(false);
            }
            stream = new MqttPacketLimitStream(stream, _maxPacketSize, () => _oversized(remote));
            var options = _options!;
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
            var channel = new MqttTcpChannel(stream, local, remote, null);
            using var adapter = new MqttChannelAdapter(channel, formatter, _logger);
            if (ClientHandler is { } handler)
            {
                await handler(adapter).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            // A client that fails its handshake or drops is simply gone.
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }
        }
    }
}

/// <summary>
/// Passes an MQTT byte stream through while reading its framing (fixed header, remaining length),
/// and fails the read as soon as a packet announces more than the limit, before any of it is
/// buffered.
/// </summary>
public sealed class MqttPacketLimitStream : Stream
{
    private readonly Stream _inner;
    private readonly int _limit;
    private readonly Action _exceeded;
    private int _state; // 0: fixed header byte, 1: remaining length, 2: body
    private long _remaining;
    private int _lengthShift;

    public MqttPacketLimitStream(Stream inner, int limit, Action exceeded)
    {
        _inner = inner;
        _limit = limit;
        _exceeded = exceeded;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.Span[..read]);
        return read;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = _inner.Read(buffer, offset, count);
        Inspect(buffer.AsSpan(offset, read));
        return read;
    }

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.WriteAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override void Flush() => _inner.Flush();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Inspect(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            switch (_state)
            {
                case 0:
                    i++;
                    _state = 1;
                    _remaining = 0;
                    _lengthShift = 0;
                    break;
                case 1:
                    var b = data[i++];
                    _remaining |= (long)(b & 0x7F) << _lengthShift;
                    _lengthShift += 7;
                    if ((b & 0x80) != 0)
                    {
                        if (_lengthShift >= 28)
                        {
                            Exceed(); // more than four length bytes: not MQTT
                        }
                        break;
                    }
                    if (_remaining > _limit)
                    {
                        Exceed();
                    }
                    _state = _remaining == 0 ? 0 : 2;
                    break;
                default:
                    var take = (int)Math.Min(_remaining, data.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = 0;
                    }
                    break;
            }
        }
    }

    private void Exceed()
    {
        _exceeded();
        throw new IOException("the client sent a packet larger than the broker allows");
    }
}
