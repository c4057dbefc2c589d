using System.Globalization;
using Pi.App.Io;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;

namespace Pi.App.Walkthrough;

/// <summary>How bytes travel between two parties.</summary>
internal enum Wire
{
    /// <summary>A provisioning frame in one UDP datagram.</summary>
    Datagram,
    /// <summary>Provisioning frames on the TCP stream, each with its 4-byte length.</summary>
    Stream,
    /// <summary>A v2 session envelope (HTTPS body or MQTT payload).</summary>
    Envelope,
    /// <summary>Plain JSON inside TLS (HTTPS) or on the local broker: not sealed by the protocol.</summary>
    PlainJson,
}

/// <summary>
/// Prints the walkthrough. Each party narrates what it alone knows (its keys, what it opened); the
/// script narrates what crosses the wire. It counts every message a receiver verified and every
/// forged, replayed or stale one it refused.
/// </summary>
internal sealed class Narrator
{
    private const int PartyWidth = 9;
    private const int NameWidth = 13;
    private readonly TextWriter _out;

    public Narrator(TextWriter output, bool full)
    {
        _out = output;
        Full = full;
    }

    /// <summary>Print every byte rather than cutting long values.</summary>
    public bool Full { get; }

    /// <summary>Sealed messages that their receiver authenticated and decoded.</summary>
    public int Verified { get; private set; }

    /// <summary>Plain (TLS-protected) messages that their receiver decoded and checked.</summary>
    public int PlainChecked { get; private set; }

    /// <summary>Packets a party refused, as the walkthrough expected it to.</summary>
    public int Refused { get; private set; }

    /// <summary>Labels of the steps printed so far.</summary>
    public List<string> StepsShown { get; } = [];

    public void Line(string text = "") => _out.WriteLine(text);

    /// <summary>A step heading: <c>[S11/H30] title</c>.</summary>
    public void Step(string label, string title)
    {
        StepsShown.Add(label);
        _out.WriteLine();
        _out.WriteLine($"[{label}] {title}");
    }

    /// <summary>An explanation, indented under the step.</summary>
    public void Why(string text) => _out.WriteLine($"  | {text}");

    /// <summary>What a party does or knows.</summary>
    public void Says(string party, string text) => _out.WriteLine($"  {party.PadRight(PartyWidth)}{text}");

    /// <summary>A named value a party holds.</summary>
    public void Value(string party, string name, string value) =>
        _out.WriteLine($"  {party.PadRight(PartyWidth)}{name.PadRight(NameWidth)}{value}");

    public void Key(string party, string name, SymmetricKey key) =>
        Value(party, name, Convert.ToHexStringLower(key.Bytes));

    public void Bytes(string party, string name, ReadOnlySpan<byte> bytes) =>
        Value(party, name, OutputFormatter.Hex(bytes, Full));

    /// <summary>Bytes crossing from one party to another, with their header decoded for the reader.</summary>
    public void Send(string from, string to, string how, Wire wire, ReadOnlySpan<byte> bytes)
    {
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {from} -> {to}: {how}, {bytes.Length} bytes"));
        var indent = new string(' ', 2 + PartyWidth);
        if (wire == Wire.PlainJson)
        {
            _out.WriteLine($"{indent}{"json".PadRight(NameWidth)}{System.Text.Encoding.UTF8.GetString(bytes)}");
            return;
        }
        _out.WriteLine($"{indent}{"header".PadRight(NameWidth)}{Header(wire, bytes)}");
        _out.WriteLine($"{indent}{"bytes".PadRight(NameWidth)}{OutputFormatter.Hex(bytes, Full)}");
    }

    /// <summary>A receiver authenticated a sealed message (or, for plain JSON over TLS, checked it).</summary>
    public void Verify(string party, string what, bool sealedMessage = true)
    {
        if (sealedMessage)
        {
            Verified++;
        }
        else
        {
            PlainChecked++;
        }
        Says(party, $"verified: {what}");
    }

    /// <summary>A party refused a packet, as expected.</summary>
    public void Refuse(string party, string what, ProtocolException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Refused++;
        Says(party, $"refused {what}: {error.Message}");
    }

    /// <summary>Runs what an attacker tries; the party must refuse it with <paramref name="expected"/>.</summary>
    /// <exception cref="InvalidOperationException">The party accepted it, or refused it for another reason.</exception>
    public void ExpectRefusal(string party, string what, Action attempt, ProtocolErrorCode expected)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        try
        {
            attempt();
        }
        catch (ProtocolException ex) when (ex.Code == expected)
        {
            Refuse(party, what, ex);
            return;
        }
        throw new InvalidOperationException($"the {party} accepted {what}, which it must refuse with {ProtocolErrors.Name(expected)}");
    }

    private static string Header(Wire wire, ReadOnlySpan<byte> bytes) => wire switch
    {
        Wire.Datagram => WireText.Summary(ProvisioningFrame.Parse(bytes)),
        Wire.Stream => string.Create(CultureInfo.InvariantCulture, $"length={bytes.Length - StreamFrameDecoder.LengthPrefixSize} ") + WireText.Summary(ProvisioningFrame.Parse(bytes[StreamFrameDecoder.LengthPrefixSize..], ProvisioningFrame.MaxStreamFrameSize)),
        _ => WireText.Summary(SessionEnvelope.ReadHeader(bytes)),
    };
}
