using System.Globalization;
using Pi.App.Io;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.App.Suites;

/// <summary>What opens a provisioning frame: a key, or the secret to derive a searchDevice frame's searchkey.</summary>
internal sealed record FrameKeySource(SymmetricKey? Key, SetupCode? SetupCode, bool OpenMode)
{
    /// <summary>True when the searchkey is derived from the frame (setup code or open mode, no key).</summary>
    public bool DerivesSearchKey => Key is null;
}

/// <summary>The <c>frame</c> suite, decoding: provisioning frames in datagram or stream form.</summary>
internal static class FrameDecodeSuite
{
    public const string Name = "frame";

    /// <summary>
    /// Detects the form (a datagram starts with "PG"; a stream frame with a 4-byte length first), then
    /// prints and opens every frame. A stream capture may hold several frames.
    /// </summary>
    public static void Decode(byte[] data, ProvisioningTransport? transport, FrameKeySource keys, OutputEncoding output, CliContext io)
    {
        var detected = transport ?? Detect(data);
        var frames = Split(data, detected, out var prefixed);
        var w = io.Out;
        for (var i = 0; i < frames.Count; i++)
        {
            if (frames.Count > 1)
            {
                if (i > 0)
                {
                    w.WriteLine();
                }
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"frame {i + 1} of {frames.Count}"));
            }
            DecodeOne(frames[i], detected, prefixed, transport is null, keys, output, io);
        }
    }

    private static void DecodeOne(ProvisioningFrame frame, ProvisioningTransport transport, bool prefixed, bool detected, FrameKeySource keys, OutputEncoding output, CliContext io)
    {
        var w = io.Out;
        var form = transport == ProvisioningTransport.Datagram ? "datagram" : prefixed ? "stream, 4-byte length prefix" : "stream, without its length prefix";
        Fields.Write(w, "frame", string.Create(CultureInfo.InvariantCulture, $"v{ProvisioningFrame.Version} provisioning frame ({form}{(detected ? ", detected" : string.Empty)}), {frame.Bytes.Length} bytes"));
        Fields.Write(w, "type", string.Create(CultureInfo.InvariantCulture, $"{WireText.Name(frame.Type)} ({(byte)frame.Type})"));
        Fields.Write(w, "flags", frame.Flags.HasFlag(ProvisioningFrameFlags.OpenMode) ? "open-mode (0x01)" : "none (setup code)");
        Fields.Write(w, "sender", string.Create(CultureInfo.InvariantCulture, $"{WireText.Name(frame.Sender)} ({(byte)frame.Sender})"));
        Fields.Write(w, "sequence", frame.Sequence.ToString(CultureInfo.InvariantCulture));
        Fields.Write(w, "public key", frame.PayloadLength == 0 ? "(none)" : Convert.ToHexStringLower(frame.PublicKey));
        Fields.Write(w, "data", string.Create(CultureInfo.InvariantCulture, $"{frame.Ciphertext.Length + 16} bytes (ciphertext {frame.Ciphertext.Length}, tag 16)"));

        var key = ResolveKey(frame, keys, io);
        var plaintext = new byte[frame.Ciphertext.Length];
        var channel = transport == ProvisioningTransport.Datagram ? NonceChannel.ProvisioningDatagram : NonceChannel.ProvisioningStream;
        using (var opener = new AeadOpener(key, Nonce.Prefix(channel, FrameWriter.DirectionOf(frame.Sender)), ReplayMode.Datagram))
        {
            try
            {
                opener.Open(frame.AssociatedData, frame.Sequence, frame.Ciphertext, frame.Tag, plaintext);
            }
            catch (ProtocolException ex) when (ex.Code == ProtocolErrorCode.AuthenticationFailed && detected && transport == ProvisioningTransport.Datagram && frame.Type is not (ProvisioningFrameType.SearchDevice or ProvisioningFrameType.DeviceInfo))
            {
                io.WriteNote("datagram and stream frames use different nonces; if this frame came from the TCP stream without its length prefix, add --transport stream");
                throw;
            }
        }

        try
        {
            ProtocolJson.DeserializeProvisioning(frame.Type, plaintext);
            Fields.Write(w, "message", $"{WireText.Name(frame.Type)} (valid)");
        }
        catch (ProtocolException ex)
        {
            Fields.Write(w, "message", $"INVALID {WireText.Name(frame.Type)}: {ex.Message}");
            io.WriteWarning($"the frame authenticates but its plaintext is not a valid {WireText.Name(frame.Type)}");
        }
        Fields.Write(w, "plaintext", OutputFormatter.FormatPlaintext(plaintext, output));
    }

    private static SymmetricKey ResolveKey(ProvisioningFrame frame, FrameKeySource keys, CliContext io)
    {
        if (keys.Key is not null)
        {
            return keys.Key;
        }
        if (frame.Type != ProvisioningFrameType.SearchDevice || frame.PayloadLength == 0)
        {
            throw new UsageException($"--setup-code and --open-mode derive the searchkey, which seals only searchDevice frames; this is a {WireText.Name(frame.Type)} frame: give its agreekey with --key");
        }
        var frameOpen = frame.Flags.HasFlag(ProvisioningFrameFlags.OpenMode);
        if (frameOpen != keys.OpenMode)
        {
            throw new ProtocolException(ProtocolErrorCode.SecurityModeMismatch, frameOpen
                ? "the frame is flagged open mode: use --open-mode instead of --setup-code"
                : "the frame was sealed with a setup code (no open-mode flag): use --setup-code instead of --open-mode");
        }
        var secret = keys.OpenMode ? ProvisioningSecret.OpenMode : ProvisioningSecret.FromSetupCode(keys.SetupCode!);
        var searchKey = KeyDerivation.DeriveSearchKey(frame.PublicKey, secret);
        Fields.Write(io.Out, "key", $"searchkey derived from the frame's public key ({(keys.OpenMode ? "open mode" : "setup code")})");
        return searchKey;
    }

    private static ProvisioningTransport Detect(byte[] data) =>
        data.Length >= 6 && data[0] != 'P' && data[4] == 'P' && data[5] == 'G'
            ? ProvisioningTransport.Stream
            : ProvisioningTransport.Datagram;

    private static List<ProvisioningFrame> Split(byte[] data, ProvisioningTransport transport, out bool prefixed)
    {
        prefixed = false;
        if (transport == ProvisioningTransport.Datagram)
        {
            return [ProvisioningFrame.Parse(data, ProvisioningFrame.MaxDatagramSize)];
        }
        if (data.Length >= 2 && data[0] == 'P' && data[1] == 'G')
        {
            // A stream frame copied without its length prefix.
            return [ProvisioningFrame.Parse(data, ProvisioningFrame.MaxStreamFrameSize)];
        }
        prefixed = true;
        var decoder = new StreamFrameDecoder(ProvisioningFrame.MaxStreamFrameSize);
        var frames = decoder.Push(data).ToList();
        if (decoder.HasPartialFrame || frames.Count == 0)
        {
            throw new ProtocolException(ProtocolErrorCode.Truncated, "the stream data ends inside a frame");
        }
        return frames;
    }
}
