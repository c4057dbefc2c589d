using Pi.App.Io;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.App.Suites;

/// <summary>Everything <c>encode --suite frame</c> was told.</summary>
internal sealed record FrameEncodeRequest(
    ProvisioningFrameType Type,
    ProvisioningRole? Sender,
    ProvisioningTransport? Transport,
    FrameKeySource Keys,
    byte[]? PublicKey,
    ulong Counter,
    bool Raw,
    OutputEncoding Output);

/// <summary>The <c>frame</c> suite, encoding: one provisioning frame in datagram or stream form.</summary>
internal static class FrameEncodeSuite
{
    public static string Encode(byte[] plaintext, FrameEncodeRequest request, CliContext io)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sender = request.Sender ?? DefaultSender(request.Type);
        var transport = request.Transport ?? DefaultTransport(request.Type);
        if (!request.Raw)
        {
            if (!ProvisioningChannel.IsAllowed(sender, transport, request.Type))
            {
                throw new ProtocolException(ProtocolErrorCode.UnexpectedFrame, $"the {WireText.Name(sender)} does not send {WireText.Name(request.Type)} frames as {WireText.Name(transport)} (use --raw to seal it anyway)");
            }
            // Throws a ProtocolException naming the field when the JSON is not a valid message of this type.
            ProtocolJson.DeserializeProvisioning(request.Type, plaintext);
        }

        var publicKey = request.PublicKey;
        SymmetricKey key;
        if (request.Keys.DerivesSearchKey)
        {
            key = DeriveSearchKey(request, sender, ref publicKey, io);
        }
        else
        {
            key = request.Keys.Key!;
        }
        publicKey ??= [];
        if (!request.Raw)
        {
            CheckPayloadRule(sender, transport, publicKey);
        }
        var flags = request.Keys.OpenMode ? ProvisioningFrameFlags.OpenMode : ProvisioningFrameFlags.None;
        var frame = FrameWriter.Seal(request.Type, flags, sender, transport, key, publicKey, plaintext, request.Counter);
        return OutputFormatter.FormatSealed(frame, request.Output);
    }

    private static SymmetricKey DeriveSearchKey(FrameEncodeRequest request, ProvisioningRole sender, ref byte[]? publicKey, CliContext io)
    {
        if (request.Type != ProvisioningFrameType.SearchDevice || sender != ProvisioningRole.App)
        {
            throw new UsageException("--setup-code and --open-mode derive the searchkey, which seals only the APP's searchDevice frame; give the agreekey with --key");
        }
        if (publicKey is null)
        {
            // Only the public half is printed: this tool never continues the exchange, so the private key dies here.
            using var pair = EphemeralKeyPair.Generate();
            publicKey = pair.PublicKey.ToArray();
            io.WriteNote($"generated an ephemeral APP key pair; public key {Convert.ToHexStringLower(publicKey)}");
        }
        EphemeralKeyPair.ValidatePublicKey(publicKey);
        var secret = request.Keys.OpenMode ? ProvisioningSecret.OpenMode : ProvisioningSecret.FromSetupCode(request.Keys.SetupCode!);
        return KeyDerivation.DeriveSearchKey(publicKey, secret);
    }

    /// <summary>The payload rule of <see cref="ProvisioningChannel"/>, for one frame out of sequence.</summary>
    private static void CheckPayloadRule(ProvisioningRole sender, ProvisioningTransport transport, byte[] publicKey)
    {
        if (publicKey.Length != 0)
        {
            EphemeralKeyPair.ValidatePublicKey(publicKey);
        }
        if (transport == ProvisioningTransport.Datagram && publicKey.Length == 0)
        {
            throw new UsageException("a datagram carries the sender's public key: give --public-key (or --raw)");
        }
        if (transport == ProvisioningTransport.Stream && sender == ProvisioningRole.Gateway && publicKey.Length != 0)
        {
            throw new UsageException("the gateway's stream frames carry no public key: drop --public-key (or use --raw)");
        }
    }

    private static ProvisioningRole DefaultSender(ProvisioningFrameType type) => type switch
    {
        ProvisioningFrameType.SearchDevice or ProvisioningFrameType.GetSsidList or ProvisioningFrameType.WifiCredentials or ProvisioningFrameType.RegistrationInfo => ProvisioningRole.App,
        ProvisioningFrameType.DeviceInfo or ProvisioningFrameType.SsidList or ProvisioningFrameType.WifiResult or ProvisioningFrameType.RegistrationAck => ProvisioningRole.Gateway,
        _ => throw new UsageException($"both sides send {WireText.Name(type)} frames: give --sender app|gateway"),
    };

    private static ProvisioningTransport DefaultTransport(ProvisioningFrameType type) => type switch
    {
        ProvisioningFrameType.SearchDevice or ProvisioningFrameType.DeviceInfo => ProvisioningTransport.Datagram,
        ProvisioningFrameType.Error => throw new UsageException("error frames travel as datagrams or on the stream: give --transport datagram|stream"),
        _ => ProvisioningTransport.Stream,
    };
}
