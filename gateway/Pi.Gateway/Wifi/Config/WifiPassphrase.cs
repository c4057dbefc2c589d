using System.Security.Cryptography;
using System.Text;

namespace Pi.Gateway.Wifi.Config;

/// <summary>
/// A WPA personal secret, checked against the rules wpa_supplicant and hostapd apply: a passphrase
/// of 8 to 63 printable ASCII characters, or a raw PSK of 64 hexadecimal digits. Anything else is
/// refused with an <see cref="InvalidWifiSettingException"/>. <see cref="ToString"/> never shows it.
/// </summary>
public sealed class WifiPassphrase
{
    /// <summary>Shortest passphrase (IEEE 802.11i).</summary>
    public const int MinLength = 8;

    /// <summary>Longest passphrase (IEEE 802.11i).</summary>
    public const int MaxLength = 63;

    /// <summary>Length of a raw PSK in hexadecimal digits.</summary>
    public const int HexPskLength = 64;

    private readonly string _value;

    private WifiPassphrase(string value, bool isHexPsk)
    {
        _value = value;
        IsHexPsk = isHexPsk;
    }

    /// <summary>The secret is a raw 256-bit PSK (64 hex digits), not a passphrase.</summary>
    public bool IsHexPsk { get; }

    /// <summary>Checks <paramref name="secret"/> against WPA's rules.</summary>
    /// <exception cref="InvalidWifiSettingException">Not 8..63 printable ASCII characters nor 64 hex digits.</exception>
    public static WifiPassphrase Parse(string? secret, string setting = "password")
    {
        if (secret is { Length: HexPskLength } && secret.All(char.IsAsciiHexDigit))
        {
            return new WifiPassphrase(secret.ToLowerInvariant(), isHexPsk: true);
        }
        if (secret is null || secret.Length is < MinLength or > MaxLength || !secret.All(c => c is >= ' ' and <= '~'))
        {
            throw InvalidWifiSettingException.For(setting, "must be 8 to 63 printable ASCII characters or 64 hexadecimal digits");
        }
        return new WifiPassphrase(secret, isHexPsk: false);
    }

    /// <summary>True when <paramref name="secret"/> passes <see cref="Parse"/>.</summary>
    public static bool IsValid(string? secret)
    {
        try
        {
            _ = Parse(secret);
            return true;
        }
        catch (InvalidWifiSettingException)
        {
            return false;
        }
    }

    /// <summary>
    /// The 256-bit PSK for <paramref name="ssid"/> as 64 lowercase hex digits: the raw PSK itself,
    /// or PBKDF2-HMAC-SHA1(passphrase, SSID, 4096 iterations), as <c>wpa_passphrase</c> computes it.
    /// </summary>
    public string DerivePskHex(byte[] ssid)
    {
        ArgumentNullException.ThrowIfNull(ssid);
        if (IsHexPsk)
        {
            return _value;
        }
        Span<byte> psk = stackalloc byte[32];
        // WPA's key derivation is fixed by IEEE 802.11i: SHA-1, 4096 iterations, the SSID as salt.
#pragma warning disable CA5379, CA5387
        Rfc2898DeriveBytes.Pbkdf2(Encoding.ASCII.GetBytes(_value), ssid, psk, 4096, HashAlgorithmName.SHA1);
#pragma warning restore CA5379, CA5387
        var hex = Convert.ToHexStringLower(psk);
        CryptographicOperations.ZeroMemory(psk);
        return hex;
    }

    /// <summary>The passphrase's ASCII bytes (for SAE, which has no PSK form).</summary>
    /// <exception cref="InvalidWifiSettingException">The secret is a raw PSK.</exception>
    public byte[] PassphraseBytes(string setting = "password") =>
        IsHexPsk
            ? throw InvalidWifiSettingException.For(setting, "must be a passphrase for WPA3 (SAE): a 64-digit hex PSK cannot be used")
            : Encoding.ASCII.GetBytes(_value);

    /// <inheritdoc />
    public override string ToString() => IsHexPsk ? "[psk]" : "[passphrase]";
}
