using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Pi.Protocol.Crypto;

namespace Pi.App.Provisioning;

/// <summary>
/// The text of a device's QR label, as the APP reads it after scanning: version 1 of the gateway's
/// format (<c>gateway/Pi.Gateway/Qr/README.md</c>), <c>PIGW:1;M:&lt;mac&gt;;S:&lt;setup code&gt;;N:&lt;ssid&gt;;</c>.
/// </summary>
/// <remarks>
/// The app does not reference the gateway, so this is the reader's side of the same rules: fields
/// <c>KEY:value;</c> in any order, <c>\</c> escapes the next character, unknown keys are ignored, a
/// key may not repeat, an unknown version is refused. <c>M</c> and <c>S</c> are required; <c>N</c>
/// (the softAP's SSID) is shown when present. Errors never repeat the text: it holds the setup code.
/// </remarks>
internal sealed record LabelPayload(string Mac, SetupCode SetupCode, string? Ssid)
{
    public const string Prefix = "PIGW:";
    public const int Version = 1;
    public const int MaxLength = 512;

    /// <summary>Reads a payload; on failure <paramref name="error"/> says why without repeating the text.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out LabelPayload? payload, out string error)
    {
        payload = null;
        if (text is null || text.Length > MaxLength)
        {
            error = $"a QR payload is 1 to {MaxLength} characters";
            return false;
        }
        var body = text.AsSpan().Trim();
        if (!body.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = $"a QR payload starts with {Prefix}";
            return false;
        }
        body = body[Prefix.Length..];
        var end = body.IndexOf(';');
        if (end is < 1 or > 4 || body[..end].ContainsAnyExceptInRange('0', '9') || body[0] == '0')
        {
            error = $"{Prefix} must be followed by a version number and ';'";
            return false;
        }
        var version = int.Parse(body[..end], CultureInfo.InvariantCulture);
        if (version != Version)
        {
            error = $"QR payload version {version} is not supported (this app reads version {Version})";
            return false;
        }
        body = body[(end + 1)..];
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!body.IsEmpty)
        {
            var colon = body.IndexOf(':');
            if (colon is < 1 or > 8 || !IsKey(body[..colon]))
            {
                error = "a QR field starts with a key of 1 to 8 upper-case letters and ':'";
                return false;
            }
            var key = body[..colon].ToString();
            body = body[(colon + 1)..];
            if (!TryReadValue(ref body, out var value))
            {
                error = $"QR field {key} does not end with ';'";
                return false;
            }
            if (!fields.TryAdd(key, value))
            {
                error = $"QR field {key} appears twice";
                return false;
            }
        }
        if (!fields.TryGetValue("M", out var mac) || NormalizeMac(mac) is not { } normalized)
        {
            error = "QR field M must hold the MAC as AA:BB:CC:DD:EE:FF";
            return false;
        }
        if (!fields.TryGetValue("S", out var code))
        {
            error = "QR field S (the setup code) is missing";
            return false;
        }
        if (!SetupCode.TryParse(code, out var setupCode, out var reason))
        {
            error = $"QR field S: {reason}";
            return false;
        }
        fields.TryGetValue("N", out var ssid);
        payload = new LabelPayload(normalized, setupCode, string.IsNullOrEmpty(ssid) ? null : ssid);
        error = string.Empty;
        return true;
    }

    /// <summary><c>AA:BB:CC:DD:EE:FF</c> (or with <c>-</c>, any case) as upper case with colons; null when it is not a MAC.</summary>
    public static string? NormalizeMac(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var parts = text.Trim().Split(':', '-');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !p.All(char.IsAsciiHexDigit)))
        {
            return null;
        }
        return string.Join(':', parts).ToUpperInvariant();
    }

    /// <summary>Redacted: the setup code shows as <c>***</c>.</summary>
    public override string ToString() => $"LabelPayload {{ Mac = {Mac}, SetupCode = ***, Ssid = {Ssid} }}";

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
}
