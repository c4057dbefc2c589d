using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// port1 (S12/H4, S13): opens each searchDevice datagram under the searchkey, checks that it asks
/// for this gateway, makes a new gateway key pair for it, derives the agreekey, leaves a pending
/// session for the APP's connection and broadcasts the sealed deviceInfo to port2. A datagram that
/// fails any check gets no answer and one (rate-limited) log line. A provisioned gateway answers an
/// authentic search for it with <c>error already_provisioned</c> instead, and keeps no session.
/// </summary>
/// <remarks>
/// One loop handles one datagram at a time: the work per search is bounded (a key pair and an ECDH
/// only for searches that authenticated), and it keeps the searchkey windows single-threaded.
/// </remarks>
internal sealed class SearchListener(
    Socket socket,
    IPEndPoint answerEndPoint,
    int sessionPort,
    int maxStreamFrameSize,
    Func<GatewayProvisioningContext> context,
    Func<GatewayProvisioningContext, string> advertisedIp,
    SearchKeyCache searchKeys,
    PendingSessions pending,
    RefusalLog refusals,
    ILogger logger,
    TimeProvider time)
{
    private static readonly IPEndPoint AnyRemote = new(IPAddress.Any, 0);

    // One byte more than the largest datagram allowed, so an oversized one is seen as such even
    // where the kernel truncates it silently.
    private readonly byte[] _buffer = new byte[ProvisioningFrame.MaxDatagramSize + 1];

    /// <summary>Receives and answers searches until <paramref name="cancellationToken"/> fires or the socket closes.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(_buffer, SocketFlags.None, AnyRemote, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.MessageSize)
            {
                // Windows reports an oversized datagram this way (and without its sender).
                refusals.Search(AnyRemote, ProtocolErrorCode.FrameTooLarge, $"a datagram larger than {ProvisioningFrame.MaxDatagramSize} bytes");
                continue;
            }
            catch (SocketException ex)
            {
                // For example an ICMP error reported on the socket: nothing to do but go on.
                ProvisioningLog.SearchReceiveFailed(logger, ex.SocketErrorCode.ToString());
                continue;
            }
            await HandleAsync(received.ReceivedBytes, received.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(int length, EndPoint remote, CancellationToken cancellationToken)
    {
        byte[] answer;
        bool provisioned;
        try
        {
            if (length > ProvisioningFrame.MaxDatagramSize)
            {
                throw new ProtocolException(ProtocolErrorCode.FrameTooLarge, $"a datagram larger than {ProvisioningFrame.MaxDatagramSize} bytes");
            }
            answer = Answer(_buffer.AsSpan(0, length), out provisioned);
        }
        catch (ProtocolException ex)
        {
            refusals.Search(remote, ex.Code, ex.Message);
            return;
        }
        try
        {
            await socket.SendToAsync(answer, SocketFlags.None, answerEndPoint, cancellationToken).ConfigureAwait(false);
            if (provisioned)
            {
                ProvisioningLog.SearchAnsweredProvisioned(logger, remote);
            }
            else
            {
                ProvisioningLog.SearchAnswered(logger, remote, pending.Count);
            }
        }
        catch (SocketException ex)
        {
            // No route to the broadcast address, for example. The pending session stays: a later
            // search may get through, and it expires on its own.
            ProvisioningLog.AnswerNotSent(logger, answerEndPoint, ex.SocketErrorCode.ToString());
        }
    }

    private byte[] Answer(ReadOnlySpan<byte> datagram, out bool provisioned)
    {
        var frame = ProvisioningFrame.Parse(datagram, ProvisioningFrame.MaxDatagramSize);
        if (frame.Type != ProvisioningFrameType.SearchDevice || frame.Sender != ProvisioningRole.App)
        {
            // Checked before any key derivation: only searches are worth the work.
            throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, $"port1 takes searchDevice frames from the APP, not {frame.Type} from the {frame.Sender}");
        }
        var current = context();
        var search = searchKeys.Open(frame, current.Secret);
        if (!string.Equals(search.Mac, current.Mac, StringComparison.Ordinal))
        {
            throw new ProtocolException(ProtocolErrorCode.UnknownDevice, "the search is for another gateway");
        }

        // Rule 1: a new gateway key pair for every answered search, so every agreekey is new. Its
        // private key is needed for this agreekey only, so it goes as soon as that is derived.
        byte[] gatewayPublicKey;
        SymmetricKey agreeKey;
        using (var keyPair = EphemeralKeyPair.Generate())
        {
            agreeKey = KeyDerivation.DeriveAgreeKey(keyPair, ProvisioningRole.Gateway, frame.PublicKey, current.Secret);
            gatewayPublicKey = keyPair.PublicKey.ToArray();
        }
        var openMode = current.Secret.IsOpenMode;
        provisioned = current.Provisioned;
        if (provisioned)
        {
            // Rule 6: no session for a provisioned gateway; the APP learns why under its agreekey.
            using var datagrams = new ProvisioningChannel(agreeKey, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode);
            return datagrams.Seal(new ProvisioningError(ProtocolErrorCode.AlreadyProvisioned, "this gateway is already provisioned: reset it (long press) to provision it again"), gatewayPublicKey);
        }
        var hash = search.Random is { } random ? BindingHash.Compute(current.VerificationCode.Reveal(), random) : null;
        var info = new DeviceInfo(
            advertisedIp(current),
            sessionPort,
            current.Joined,
            current.Mac,
            current.Sn,
            current.Uuid,
            current.ResetFlag,
            hash,
            current.Product,
            current.Firmware);
        byte[] answer;
        using (var datagrams = new ProvisioningChannel(agreeKey, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode))
        {
            answer = datagrams.Seal(info, gatewayPublicKey);
        }
        var stream = new ProvisioningChannel(agreeKey, ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode, maxStreamFrameSize);
        // Pending before the answer leaves, so the APP's connection cannot arrive first.
        pending.Add(new PendingSession(Convert.ToHexString(gatewayPublicKey), Convert.ToHexString(frame.PublicKey), stream, time.GetTimestamp()));
        return answer;
    }
}
