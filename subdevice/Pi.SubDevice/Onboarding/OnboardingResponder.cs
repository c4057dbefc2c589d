using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.SubDevice.Onboarding;

/// <summary>
/// The sub-device's side of onboarding (docs/protocol.md, sections 5 and 6.1): it takes the gateway's
/// role in the APP's provisioning exchange. A searchDevice on port1 that opens under the searchkey of
/// this device's setup code and names its MAC gets a deviceInfo (new key pair, new agreekey) on port2;
/// the APP then connects to port3 and asks for networks (a simulated list), sends Wi-Fi credentials
/// (a simulated radio joins at once) and delivers <c>subDeviceInfo</c>, which is stored through
/// <c>store</c> and answered with <c>subDeviceAck</c>.
/// </summary>
/// <remarks>
/// Small on purpose, as a device's firmware would be: one pending agreekey per answered search (at most
/// 8, for 60 s), one APP session at a time (others are told <c>busy</c>), a 30 s idle limit per read.
/// </remarks>
public sealed class OnboardingResponder : IAsyncDisposable
{
    private const int MaxPending = ProvisioningDefaults.MaxPendingSessions;
    private const string BusyText = "another APP is onboarding this sub-device";

    private readonly OnboardingOptions _options;
    private readonly ProvisioningSecret _secret;
    private readonly Func<SubDeviceInfo, CancellationToken, Task> _store;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ProvisioningChannel> _searchChannels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ProvisioningChannel Stream, long CreatedAt)> _pending = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<SubDeviceInfo> _onboarded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _tasks = [];
    private Socket? _udp;
    private Socket? _tcp;
    private int _active;
    private bool _joined;

    /// <summary>Creates the responder; <paramref name="store"/> persists a delivered subDeviceInfo.</summary>
    public OnboardingResponder(OnboardingOptions options, Func<SubDeviceInfo, CancellationToken, Task> store, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        _options = options;
        _secret = ProvisioningSecret.FromSetupCode(options.SetupCode);
        _store = store;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Completes with the stored info after the subDeviceAck was sent.</summary>
    public Task<SubDeviceInfo> Onboarded => _onboarded.Task;

    /// <summary>Raised for every refused search or session (never with secrets).</summary>
    public event EventHandler<OnboardingRefusal>? Refused;

    /// <summary>Raised after each answered search.</summary>
    public event EventHandler<IPEndPoint>? SearchAnswered;

    /// <summary>Binds port1 (UDP) and port3 (TCP) and starts answering.</summary>
    /// <exception cref="SocketException">A port is in use or the address is not local.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { EnableBroadcast = true };
        var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // The arrival address tells which of our addresses to advertise in deviceInfo.
            udp.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            udp.Bind(new IPEndPoint(_options.Bind, _options.SearchPort));
            tcp.Bind(new IPEndPoint(_options.Bind, _options.SessionPort));
            tcp.Listen(4);
        }
        catch
        {
            udp.Dispose();
            tcp.Dispose();
            throw;
        }
        _udp = udp;
        _tcp = tcp;
        _tasks.Add(Task.Run(() => SearchLoopAsync(_stopping.Token), CancellationToken.None));
        _tasks.Add(Task.Run(() => AcceptLoopAsync(_stopping.Token), CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <summary>Closes the ports and waits for the loops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _udp?.Dispose();
        _tcp?.Dispose();
        Task[] tasks;
        lock (_lock)
        {
            tasks = [.. _tasks];
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var channel in _searchChannels.Values)
            {
                channel.Dispose();
            }
            foreach (var (stream, _) in _pending.Values)
            {
                stream.Dispose();
            }
            _searchChannels.Clear();
            _pending.Clear();
        }
        _stopping.Dispose();
    }

    private async Task SearchLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[ProvisioningFrame.MaxDatagramSize + 1];
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult received;
            try
            {
                received = await _udp!.ReceiveMessageFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            var remote = (IPEndPoint)received.RemoteEndPoint;
            byte[] answer;
            try
            {
                if (received.ReceivedBytes > ProvisioningFrame.MaxDatagramSize)
                {
                    throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, "datagram too large");
                }
                var local = _options.Bind.Equals(IPAddress.Any) ? received.PacketInformation.Address : _options.Bind;
                answer = Answer(buffer.AsSpan(0, received.ReceivedBytes), local);
            }
            catch (ProtocolException ex)
            {
                Refused?.Invoke(this, new OnboardingRefusal("search", ex.Code));
                continue;
            }
            try
            {
                await _udp.SendToAsync(answer, SocketFlags.None, new IPEndPoint(remote.Address, _options.AnswerPort), cancellationToken).ConfigureAwait(false);
                SearchAnswered?.Invoke(this, remote);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The APP searches again.
            }
        }
    }

    /// <summary>S12/S13 in the gateway's role: open the search, make a key pair, answer deviceInfo.</summary>
    private byte[] Answer(ReadOnlySpan<byte> datagram, IPAddress local)
    {
        var frame = ProvisioningFrame.Parse(datagram, ProvisioningFrame.MaxDatagramSize);
        if (frame.Type != ProvisioningFrameType.SearchDevice || frame.Sender != ProvisioningRole.App)
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, "port1 takes searchDevice frames");
        }
        var appKeyId = Convert.ToHexString(frame.PublicKey);
        SearchDevice search;
        lock (_lock)
        {
            // One searchkey channel per APP key, so repeated searches meet one replay window. Only a
            // search that authenticates is remembered.
            var known = _searchChannels.TryGetValue(appKeyId, out var channel);
            channel ??= new ProvisioningChannel(KeyDerivation.DeriveSearchKey(frame.PublicKey, _secret), ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false);
            byte[] plaintext;
            try
            {
                plaintext = channel.OpenPlaintext(frame);
            }
            catch
            {
                if (!known)
                {
                    channel.Dispose();
                }
                throw;
            }
            if (!known)
            {
                if (_searchChannels.Count >= 16)
                {
                    foreach (var old in _searchChannels.Values)
                    {
                        old.Dispose();
                    }
                    _searchChannels.Clear();
                }
                _searchChannels[appKeyId] = channel;
            }
            search = (SearchDevice)ProtocolJson.DeserializeProvisioning(frame.Type, plaintext);
        }
        if (!string.Equals(search.Mac, _options.Mac, StringComparison.Ordinal))
        {
            throw new ProtocolException(ProtocolErrorCode.UnknownDevice, "the search is for another device");
        }
        byte[] devicePublicKey;
        SymmetricKey agreeKey;
        using (var keyPair = EphemeralKeyPair.Generate())
        {
            agreeKey = KeyDerivation.DeriveAgreeKey(keyPair, ProvisioningRole.Gateway, frame.PublicKey, _secret);
            devicePublicKey = keyPair.PublicKey.ToArray();
        }
        // A sub-device has no verification code and is never bound by hash (the APP registers it
        // under its gateway), so deviceInfo carries no hash.
        var info = new DeviceInfo(local.ToString(), _options.SessionPort, Volatile.Read(ref _joined), _options.Mac, SerialNumber(), Uuid(), ResetFlag: true,
            Product: "pi-subdevice", Firmware: "1.0.0");
        byte[] answer;
        using (var datagrams = new ProvisioningChannel(agreeKey, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false))
        {
            answer = datagrams.Seal(info, devicePublicKey);
        }
        var stream = new ProvisioningChannel(agreeKey, ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: false);
        lock (_lock)
        {
            PurgePending();
            if (_pending.Count >= MaxPending)
            {
                var oldest = _pending.MinBy(p => p.Value.CreatedAt);
                _pending.Remove(oldest.Key);
                oldest.Value.Stream.Dispose();
            }
            _pending[Convert.ToHexString(devicePublicKey)] = (stream, _time.GetTimestamp());
        }
        return answer;
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _tcp!.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            lock (_lock)
            {
                _tasks.RemoveAll(t => t.IsCompleted);
                _tasks.Add(Task.Run(() => ServeAsync(socket, cancellationToken), CancellationToken.None));
            }
        }
    }

    /// <summary>One APP connection on port3 (section 5, rules 3, 4 and 7).</summary>
    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = new FrameReader(stream, _time);
        ProvisioningChannel? channel = null;
        var holdsSession = false;
        try
        {
            var first = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (first is null)
            {
                return;
            }
            var plaintext = Claim(first, out channel);
            if (Interlocked.CompareExchange(ref _active, 1, 0) != 0)
            {
                Refused?.Invoke(this, new OnboardingRefusal("session", ProtocolErrorCode.Busy));
                await stream.WriteAsync(channel.Seal(new ProvisioningError(ProtocolErrorCode.Busy, BusyText)), cancellationToken).ConfigureAwait(false);
                return;
            }
            holdsSession = true;
            var message = ProtocolJson.DeserializeProvisioning(first.Type, plaintext);
            while (message is not ProvisioningError)
            {
                var reply = await ReplyAsync(message, cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(channel.Seal(reply), cancellationToken).ConfigureAwait(false);
                if (reply is SubDeviceAck && message is SubDeviceInfo delivered)
                {
                    _onboarded.TrySetResult(delivered);
                }
                var frame = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (frame is null)
                {
                    return;
                }
                message = channel.Open(frame);
            }
        }
        catch (ProtocolException ex)
        {
            Refused?.Invoke(this, new OnboardingRefusal("session", ex.Code));
            if (channel is not null && holdsSession)
            {
                await TrySendAsync(stream, channel, new ProvisioningError(ex.Code, "the frame was refused")).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            // Closed, stalled or stopping: the connection ends.
        }
        finally
        {
            if (holdsSession)
            {
                Volatile.Write(ref _active, 0);
            }
            channel?.Dispose();
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The first frame names its pending search by our public key; only an authentic one claims it.</summary>
    private byte[] Claim(ProvisioningFrame first, out ProvisioningChannel channel)
    {
        if (first.PayloadLength == 0)
        {
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, "the first frame must carry the device public key of a deviceInfo");
        }
        var id = Convert.ToHexString(first.PublicKey);
        lock (_lock)
        {
            PurgePending();
            if (!_pending.TryGetValue(id, out var pending))
            {
                throw new ProtocolException(ProtocolErrorCode.SessionExpired, "no pending search for this public key: search again");
            }
            var plaintext = pending.Stream.OpenPlaintext(first);
            _pending.Remove(id);
            channel = pending.Stream;
            return plaintext;
        }
    }

    private async Task<ProvisioningMessage> ReplyAsync(ProvisioningMessage message, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case GetSsidList:
                // A simulated scan: what a small Wi-Fi module would report.
                return new SsidList([new SsidEntry("HomeRouter", -48, WifiSecurity.Wpa2Psk), new SsidEntry("Cafe", -80, WifiSecurity.Open)]);
            case WifiCredentials:
                // The simulated radio joins whatever it is given (the password is not looked at, nor kept).
                Volatile.Write(ref _joined, true);
                return new WifiResult(true, Ip: _options.Bind.Equals(IPAddress.Any) ? null : _options.Bind.ToString());
            case SubDeviceInfo info:
                if (info.KeyExpiresAt <= _time.GetUtcNow())
                {
                    return new ProvisioningError(ProtocolErrorCode.KeyExpired, "keyExpiresAt has passed: register the sub-device again");
                }
                try
                {
                    await _store(info, cancellationToken).ConfigureAwait(false);
                }
                catch (CredentialsFileException)
                {
                    return new ProvisioningError(ProtocolErrorCode.Internal, "the sub-device could not store its credentials");
                }
                return new SubDeviceAck(info.Did);
            default:
                return new ProvisioningError(ProtocolErrorCode.UnexpectedMessage, $"a sub-device does not take {message.FrameType}");
        }
    }

    private void PurgePending()
    {
        var now = _time.GetTimestamp();
        foreach (var (id, pending) in _pending.ToList())
        {
            if (_time.GetElapsedTime(pending.CreatedAt, now) >= ProvisioningDefaults.PendingSessionLifetime)
            {
                _pending.Remove(id);
                pending.Stream.Dispose();
            }
        }
    }

    private static async Task TrySendAsync(NetworkStream stream, ProvisioningChannel channel, ProvisioningError error)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await stream.WriteAsync(channel.Seal(error), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or ProtocolException)
        {
            // Best effort.
        }
    }

    private string SerialNumber() => "sd" + _options.Mac.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();

    private string Uuid()
    {
        // Stable per MAC, so the APP sees the same device every time.
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes("pi-subdevice uuid " + _options.Mac));
        var hex = Convert.ToHexStringLower(hash.AsSpan(0, 16));
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }
}
