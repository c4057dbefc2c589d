using System.Net;
using System.Net.Sockets;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.App.Provisioning;

/// <summary>
/// The APP's side of local provisioning (docs/protocol.md sections 3.1-3.3, 4, 5, 6 and 6.1): it
/// searches for one device by MAC with searchDevice sealed under the searchkey, opens the deviceInfo
/// answer under the agreekey, and connects to the device's port3 for the session.
/// </summary>
/// <remarks>
/// <para>One client holds one APP key pair ("second key pair") for its lifetime: every search it
/// makes uses the same searchkey with an increasing counter, and the gateway recognises the same
/// APP coming back after the Wi-Fi join dropped its connection (it then replaces the stale
/// session). Make a new client for a new APP session.</para>
/// <para>The same client onboards a sub-device: the sub-device takes the gateway's role (section 6.1).</para>
/// <para>Nothing here logs, and no exception message carries the setup code, a key or a password.</para>
/// </remarks>
public sealed class ProvisioningClient : IDisposable
{
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;

    private readonly EphemeralKeyPair _keyPair = EphemeralKeyPair.Generate();
    private readonly ProvisioningChannel _search;
    private readonly ProvisioningSecret _secret;
    private readonly SearchOptions _options;
    private readonly SemaphoreSlim _searching = new(1, 1);

    /// <summary>Creates a client that looks for the device with <paramref name="mac"/>.</summary>
    /// <param name="mac">The MAC from the device's label, <c>AA:BB:CC:DD:EE:FF</c> (lower case is accepted).</param>
    /// <param name="secret">The setup code's secret (<see cref="ProvisioningSecret.FromSetupCode"/>) or <see cref="ProvisioningSecret.OpenMode"/>.</param>
    /// <param name="options">Ports, addresses and timeouts; null for the protocol's defaults.</param>
    /// <exception cref="ArgumentException">An option or the MAC breaks a rule.</exception>
    public ProvisioningClient(string mac, ProvisioningSecret secret, SearchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mac);
        ArgumentNullException.ThrowIfNull(secret);
        Mac = mac.ToUpperInvariant();
        _secret = secret;
        _options = options ?? new SearchOptions();
        _options.Validate();
        try
        {
            new SearchDevice(Mac, RandomOrNull()).Validate();
        }
        catch (ProtocolException ex)
        {
            throw new ArgumentException($"not a valid search: {ex.Message}", nameof(mac), ex);
        }
        _search = new ProvisioningChannel(KeyDerivation.DeriveSearchKey(_keyPair.PublicKey, secret), ProvisioningRole.App, ProvisioningTransport.Datagram, secret.IsOpenMode);
    }

    /// <summary>The MAC searched for (upper case).</summary>
    public string Mac { get; }

    /// <summary>This APP's public key (65 bytes): how the device tells this APP from another.</summary>
    public ReadOnlySpan<byte> PublicKey => _keyPair.PublicKey;

    /// <summary>
    /// S11-S13/H50: sends searchDevice to port1 (again, with the next counter, until an answer or
    /// the timeout), receives deviceInfo on port2, derives the agreekey and opens it. Answers for
    /// other APPs or other devices are skipped.
    /// </summary>
    /// <returns>The device and its pending session.</returns>
    /// <exception cref="ProvisioningClientException">
    /// <see cref="ProvisioningFailure.NoAnswer"/>, <see cref="ProvisioningFailure.WrongSetupCode"/>,
    /// or <see cref="ProvisioningFailure.Busy"/>/<see cref="ProvisioningFailure.Refused"/> when the
    /// device answered with an error datagram.
    /// </exception>
    /// <exception cref="SocketException">The answer port cannot be bound.</exception>
    /// <exception cref="OperationCanceledException">Cancelled by the caller.</exception>
    public Task<FoundDevice> SearchAsync(CancellationToken cancellationToken = default) =>
        SearchAsync(_options.SearchEndPoint, cancellationToken);

    /// <summary>
    /// As <see cref="SearchAsync(CancellationToken)"/>, sent to <paramref name="searchEndPoint"/>
    /// instead: the second search on the router's LAN, with the same APP key pair, so the device
    /// recognises the APP that provisioned it.
    /// </summary>
    public async Task<FoundDevice> SearchAsync(IPEndPoint searchEndPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchEndPoint);
        await _searching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var socket = BindAnswerSocket();
            return await SearchCoreAsync(socket, searchEndPoint, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _searching.Release();
        }
    }

    /// <summary>Opens the TCP session to the found device's port3.</summary>
    /// <exception cref="ProvisioningClientException"><see cref="ProvisioningFailure.ConnectionLost"/>: refused, unreachable or too slow.</exception>
    public async Task<ProvisioningSession> ConnectAsync(FoundDevice found, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(found);
        var socket = new Socket(found.SessionEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (_options.InterfaceName is { } name)
            {
                BindToDevice(socket, name);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(found.SessionEndPoint, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ProvisioningClientException(ProvisioningFailure.ConnectionLost, $"no TCP connection to {found.SessionEndPoint} within {_options.ConnectTimeout}", innerException: ex);
            }
            catch (SocketException ex)
            {
                throw new ProvisioningClientException(ProvisioningFailure.ConnectionLost, $"cannot connect to {found.SessionEndPoint}: {ex.SocketErrorCode}", innerException: ex);
            }
            return new ProvisioningSession(socket, found, _options.ReplyTimeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Searches and connects in one step.</summary>
    public async Task<ProvisioningSession> SearchAndConnectAsync(CancellationToken cancellationToken = default)
    {
        var found = await SearchAsync(cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(found, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _search.Dispose();
        _keyPair.Dispose();
        _searching.Dispose();
    }

    private Socket BindAnswerSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { EnableBroadcast = true };
        try
        {
            // port2 is shared: several APPs (or a test harness) on one host each hear every answer.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (_options.InterfaceName is { } name)
            {
                BindToDevice(socket, name);
            }
            socket.Bind(new IPEndPoint(_options.LocalAddress, _options.AnswerPort));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<FoundDevice> SearchCoreAsync(Socket socket, IPEndPoint searchEndPoint, CancellationToken cancellationToken)
    {
        var sends = _options.Retries + 1;
        var interval = _options.Timeout / sends;
        var started = TimeProvider.System.GetTimestamp();
        var buffer = new byte[ProvisioningFrame.MaxDatagramSize + 1];
        var unopened = 0;
        var sent = 0;
        Task<SocketReceiveFromResult>? receive = null;
        try
        {
            while (true)
            {
                var elapsed = TimeProvider.System.GetElapsedTime(started);
                if (elapsed >= _options.Timeout)
                {
                    break;
                }
                if (sent < sends && elapsed >= interval * sent)
                {
                    await SendSearchAsync(socket, searchEndPoint, cancellationToken).ConfigureAwait(false);
                    sent++;
                }
                var nextSend = sent < sends ? interval * sent : _options.Timeout;
                var wait = (nextSend < _options.Timeout ? nextSend : _options.Timeout) - TimeProvider.System.GetElapsedTime(started);
                receive ??= socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0));
                if (wait > TimeSpan.Zero)
                {
                    using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    await Task.WhenAny(receive, Task.Delay(wait, delay.Token)).ConfigureAwait(false);
                    await delay.CancelAsync().ConfigureAwait(false);
                }
                cancellationToken.ThrowIfCancellationRequested();
                if (!receive.IsCompleted)
                {
                    continue;
                }
                SocketReceiveFromResult received;
                try
                {
                    received = await receive.ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // An ICMP error from an earlier send (Windows reports them on any UDP socket).
                    receive = null;
                    continue;
                }
                receive = null;
                if (TryOpenAnswer(buffer.AsSpan(0, received.ReceivedBytes), ref unopened) is { } found)
                {
                    return found;
                }
            }
        }
        finally
        {
            if (receive is not null)
            {
                // Disposing the socket (by the caller) ends the receive; observe its fault.
                _ = receive.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
        throw unopened > 0
            ? new ProvisioningClientException(ProvisioningFailure.WrongSetupCode,
                $"{unopened} answer(s) arrived for {Mac}'s search but none opened under this setup code: check the code on the device's label (the answers may also have been for another APP searching at the same time)",
                ProtocolErrorCode.AuthenticationFailed)
            : new ProvisioningClientException(ProvisioningFailure.NoAnswer,
                $"no device answered the search for {Mac} within {_options.Timeout} ({sent} searches sent to {searchEndPoint}): is this device on this network, and is the setup code the one on its label? A device does not answer a search made with another setup code",
                ProtocolErrorCode.Timeout);
    }

    private async Task SendSearchAsync(Socket socket, IPEndPoint searchEndPoint, CancellationToken cancellationToken)
    {
        byte[] datagram;
        lock (_search)
        {
            datagram = _search.Seal(new SearchDevice(Mac, RandomOrNull()), _keyPair.PublicKey);
        }
        try
        {
            await socket.SendToAsync(datagram, SocketFlags.None, searchEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The network may not be up yet (just joined the softAP): the next retry sends again.
        }
    }

    /// <summary>
    /// H50: a deviceInfo (or error) datagram whose public key gives an agreekey that opens it. Null
    /// for anything else; <paramref name="unopened"/> counts device answers that did not open.
    /// </summary>
    private FoundDevice? TryOpenAnswer(ReadOnlySpan<byte> datagram, ref int unopened)
    {
        ProvisioningFrame frame;
        try
        {
            frame = ProvisioningFrame.Parse(datagram, ProvisioningFrame.MaxDatagramSize);
        }
        catch (ProtocolException)
        {
            return null;
        }
        if (frame.Sender != ProvisioningRole.Gateway || frame.Type is not (ProvisioningFrameType.DeviceInfo or ProvisioningFrameType.Error))
        {
            return null;
        }
        var devicePublicKey = frame.PublicKey.ToArray();
        SymmetricKey agreeKey;
        ProvisioningMessage message;
        try
        {
            agreeKey = KeyDerivation.DeriveAgreeKey(_keyPair, ProvisioningRole.App, devicePublicKey, _secret);
            using var channel = new ProvisioningChannel(agreeKey, ProvisioningRole.App, ProvisioningTransport.Datagram, _secret.IsOpenMode);
            message = channel.Open(frame);
        }
        catch (ProtocolException ex) when (ex.Code is ProtocolErrorCode.AuthenticationFailed or ProtocolErrorCode.SecurityModeMismatch)
        {
            unopened++;
            return null;
        }
        catch (ProtocolException)
        {
            // Opened but not valid, or a key that is not a point: not an answer we can use.
            return null;
        }
        switch (message)
        {
            case ProvisioningError error:
                throw ProvisioningSession.FromErrorFrame(error);
            case DeviceInfo info when string.Equals(info.Mac, Mac, StringComparison.OrdinalIgnoreCase):
                return new FoundDevice(info, devicePublicKey, agreeKey, _secret.IsOpenMode);
            default:
                // Another device that shares our setup code answered (it should not have): skip it.
                return null;
        }
    }

    private byte[]? RandomOrNull() => _options.Random.IsEmpty ? null : _options.Random.ToArray();

    private static void BindToDevice(Socket socket, string interfaceName)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("InterfaceName (SO_BINDTODEVICE) is supported on Linux only");
        }
        socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(interfaceName + "\0"));
    }
}
