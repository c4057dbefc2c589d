using System.Diagnostics.CodeAnalysis;
using System.Text;
using Pi.Protocol.Crypto;

namespace Pi.Protocol.Labels;

/// <summary>
/// What a gateway's QR label holds: its MAC, its setup code and its softAP's SSID, as text the APP
/// parses after scanning. The gateway writes it (<c>Pi.Gateway qr</c>), the APP reads it; both use this type.
/// </summary>
/// <remarks>
/// <para>Format, version 1: <c>PIGW:1;M:&lt;mac&gt;;S:&lt;setup code&gt;;N:&lt;ssid&gt;;</c>, e.g.
/// <c>PIGW:1;M:B8:27:EB:12:34:56;S:7KQ2M9XCVB4TRPH3NS;N:pi_gateway_123456;</c></para>
/// <list type="bullet">
/// <item><c>PIGW:</c> then the format version in decimal and <c>;</c>. A reader refuses a version it does
/// not know: a new version number means an incompatible change.</item>
/// <item>Then fields <c>KEY:value;</c>, every one ended by <c>;</c>. A key is 1 to 8 upper-case ASCII
/// letters and ends at the first <c>:</c>. In a value, <c>\</c> escapes the next character; <c>;</c> and
/// <c>\</c> must be escaped. Keys may come in any order; a key may not repeat. A version 1 reader
/// ignores keys it does not know, so fields can be added without a new version.</item>
/// <item>Version 1 fields, all required: <c>M</c> the MAC (<c>AA:BB:CC:DD:EE:FF</c>), <c>S</c> the setup
/// code (18 symbols, written without separators; a reader accepts what <see cref="SetupCode.TryParse"/>
/// accepts), <c>N</c> the softAP SSID (1 to 32 bytes of UTF-8 without control characters).</item>
/// <item>At most <see cref="MaxLength"/> characters; white space around the whole text is ignored.</item>
/// </list>
/// <para>The text holds the setup code: it is the label, not something to log. This record's
/// <see cref="object.ToString"/> shows the code as <c>***</c>; <see cref="ToText"/> is the explicit way.</para>
/// </remarks>
public sealed record QrPayload
{
    /// <summary>What every payload starts with.</summary>
    public const string Prefix = "PIGW:";

    /// <summary>The version this build writes and reads.</summary>
    public const int Version = 1;

    /// <summary>The longest SSID in bytes of UTF-8 (IEEE 802.11).</summary>
    public const int MaxSsidBytes = 32;

    /// <summary>The longest payload a reader accepts.</summary>
    public const int MaxLength = 512;

    /// <summary>A payload; the MAC is normalized.</summary>
    /// <exception cref="ArgumentException">The MAC or the SSID breaks its rule.</exception>
    public QrPayload(string mac, SetupCode setupCode, string ssid)
    {
        ArgumentNullException.ThrowIfNull(setupCode);
        Mac = DeviceMac.Normalize(mac);
        SetupCode = setupCode;
        Ssid = IsValidSsid(ssid) ? ssid : throw new ArgumentException("the SSID must be 1 to 32 bytes of UTF-8 without control characters", nameof(ssid));
    }

    /// <summary>The gateway's MAC (<c>AA:BB:CC:DD:EE:FF</c>).</summary>
    public string Mac { get; }

    /// <summary>The gateway's setup code.</summary>
    public SetupCode SetupCode { get; }

    /// <summary>The softAP's SSID.</summary>
    public string Ssid { get; }

    /// <summary>The payload text (holds the setup code).</summary>
    public string ToText()
    {
        var text = new StringBuilder(Prefix).Append(Version).Append(';');
        AppendField(text, "M", Mac);
        AppendField(text, "S", SetupCode.ToCanonicalString());
        AppendField(text, "N", Ssid);
        return text.ToString();
    }

    /// <summary>Parses a payload.</summary>
    /// <exception cref="FormatException">Not a payload this build reads; the message never repeats the text.</exception>
    public static QrPayload Parse(string text) =>
        TryParse(text, out var payload, out var error) ? payload : throw new FormatException(error);

    /// <summary>Parses a payload; on failure <paramref name="error"/> says why without repeating the text.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out QrPayload? payload, out string error)
    {
        payload = null;
        if (text is null || text.Length > MaxLength)
        {
            return Fail($"a payload is 1 to {MaxLength} characters", out error);
        }
        var body = text.AsSpan().Trim();
        if (!body.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return Fail($"a payload starts with {Prefix}", out error);
        }
        body = body[Prefix.Length..];
        var end = body.IndexOf(';');
        if (end is < 1 or > 4 || body[..end].ContainsAnyExceptInRange('0', '9') || body[0] == '0')
        {
            return Fail($"{Prefix} must be followed by a version number and ';'", out error);
        }
        var version = int.Parse(body[..end], provider: System.Globalization.CultureInfo.InvariantCulture);
        if (version != Version)
        {
            return Fail($"payload version {version} is not supported (this build reads version {Version})", out error);
        }
        body = body[(end + 1)..];
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!body.IsEmpty)
        {
            var colon = body.IndexOf(':');
            if (colon is < 1 or > 8 || !IsKey(body[..colon]))
            {
                return Fail("a field starts with a key of 1 to 8 upper-case letters and ':'", out error);
            }
            var key = body[..colon].ToString();
            body = body[(colon + 1)..];
            if (!TryReadValue(ref body, out var value))
            {
                return Fail($"field {key} does not end with ';'", out error);
            }
            if (!fields.TryAdd(key, value))
            {
                return Fail($"field {key} appears twice", out error);
            }
        }
        if (!fields.TryGetValue("M", out var mac) || !DeviceMac.TryNormalize(mac, out var normalizedMac))
        {
            return Fail("field M must hold the MAC as AA:BB:CC:DD:EE:FF", out error);
        }
        if (!fields.TryGetValue("S", out var code))
        {
            return Fail("field S (the setup code) is missing", out error);
        }
        if (!SetupCode.TryParse(code, out var setupCode, out var reason))
        {
            return Fail($"field S: {reason}", out error);
        }
        if (!fields.TryGetValue("N", out var ssid) || !IsValidSsid(ssid))
        {
            return Fail("field N must hold the SSID (1 to 32 bytes of UTF-8 without control characters)", out error);
        }
        payload = new QrPayload(normalizedMac, setupCode, ssid);
        error = string.Empty;
        return true;
    }

    /// <summary>Redacted: the setup code shows as <c>***</c>.</summary>
    public override string ToString() => $"QrPayload {{ Mac = {Mac}, SetupCode = ***, Ssid = {Ssid} }}";

    /// <summary>1 to 32 bytes of UTF-8 without control characters.</summary>
    public static bool IsValidSsid(string? ssid)
    {
        if (string.IsNullOrEmpty(ssid) || ssid.Any(char.IsControl))
        {
            return false;
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(ssid) <= MaxSsidBytes;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    private static void AppendField(StringBuilder text, string key, string value)
    {
        text.Append(key).Append(':');
        foreach (var c in value)
        {
            if (c is ';' or '\\')
            {
                text.Append('\\');
            }
            text.Append(c);
        }
        text.Append(';');
    }

    private static bool TryReadValue(ref ReadOnlySpan<char> body, [NotNullWhen(true)] out string? value)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '\\')
            {
                if (++i == body.Length)
                {
                    break;
                }
                builder.Append(body[i]);
            }
            else if (c == ';')
            {
                body = body[(i + 1)..];
                value = builder.ToString();
                return true;
            }
            else
            {
                builder.Append(c);
            }
        }
        value = null;
        return false;
    }

    private static bool IsKey(ReadOnlySpan<char> key)
    {
        foreach (var c in key)
        {
            if (!char.IsAsciiLetterUpper(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }
}
