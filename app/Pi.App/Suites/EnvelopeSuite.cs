using System.Globalization;
using System.Text.Json;
using Pi.App.Io;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.App.Suites;

/// <summary>The <c>v2</c> suite: session envelopes (login, session channel, LAN link).</summary>
internal static class EnvelopeSuite
{
    public const string Name = "v2";

    /// <summary>
    /// Prints the header, then opens the envelope under the direction and key id it names. One
    /// envelope, a fresh opener: no replay state, as befits a debugging tool.
    /// </summary>
    public static void Decode(byte[] envelope, SymmetricKey key, OutputEncoding output, CliContext io)
    {
        var header = SessionEnvelope.ReadHeader(envelope, SessionEnvelope.MaxAllowedSize);
        var w = io.Out;
        Fields.Write(w, "envelope", string.Create(CultureInfo.InvariantCulture, $"v{SessionEnvelope.Version} session envelope, {envelope.Length} bytes"));
        Fields.Write(w, "direction", string.Create(CultureInfo.InvariantCulture, $"{WireText.Name(header.Direction)} ({(byte)header.Direction})"));
        Fields.Write(w, "key id", header.KeyId.ToString(CultureInfo.InvariantCulture));
        Fields.Write(w, "counter", header.Counter.ToString(CultureInfo.InvariantCulture));
        Fields.Write(w, "tid", header.Tid ?? "(none)");
        Fields.Write(w, "did", header.Did ?? "(none)");

        using var opener = new EnvelopeOpener(key, header.KeyId, header.Direction, maxSize: SessionEnvelope.MaxAllowedSize);
        var opened = opener.Open(envelope);
        Fields.Write(w, "message", Identify(opened.Plaintext, out _));
        Fields.Write(w, "plaintext", OutputFormatter.FormatPlaintext(opened.Plaintext, output));
    }

    /// <summary>Seals one envelope. Counter 0 unless told otherwise; never reuse a counter with a real key.</summary>
    public static string Encode(byte[] plaintext, SymmetricKey key, uint keyId, Direction direction, string? tid, string? did, ulong counter, OutputEncoding output, CliContext io)
    {
        if (tid is null && did is null)
        {
            throw new UsageException("--suite v2 needs --tid, --did or both: an envelope names at least one");
        }
        Identify(plaintext, out var known);
        if (!known)
        {
            io.WriteWarning("the plaintext is not a known session or login message; sealing it as given");
        }
        using var sealer = new EnvelopeSealer(key, keyId, direction, counter);
        return OutputFormatter.FormatSealed(sealer.Seal(plaintext, tid, did), output);
    }

    /// <summary>Names the message in an envelope's plaintext, if it is one this version knows.</summary>
    public static string Identify(byte[] plaintext, out bool known)
    {
        known = true;
        try
        {
            ProtocolJson.DeserializeSession(plaintext);
            using var document = JsonDocument.Parse(plaintext);
            return $"{document.RootElement.GetProperty("type").GetString()} (session message)";
        }
        catch (ProtocolException sessionError)
        {
            if (Is<LoginRequest>(plaintext))
            {
                return "loginRequest (login message)";
            }
            if (Is<LoginReply>(plaintext))
            {
                return "loginReply (login message)";
            }
            known = false;
            return $"not a known session message ({sessionError.Message})";
        }
    }

    private static bool Is<T>(byte[] plaintext)
        where T : class, IProtocolMessage
    {
        try
        {
            ProtocolJson.Deserialize<T>(plaintext);
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }
}
