using System.Text;
using Pi.Gateway.Identity;
using Pi.Protocol.Labels;

namespace Pi.Gateway.Qr;

/// <summary>
/// The softAP's name (section <c>SoftAp</c>): <c>brand_category_XXYYZZ</c>, where XXYYZZ is the last
/// three bytes of the Wi-Fi MAC in upper-case hex (the seed's embodiment 2), e.g.
/// <c>pi_gateway_123456</c>:
/// <code>
/// "SoftAp": { "Brand": "pi", "Category": "gateway" }
/// </code>
/// </summary>
public sealed class SoftApNamingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SoftAp";

    /// <summary>The brand, first part of the SSID.</summary>
    public string Brand { get; set; } = "pi";

    /// <summary>The product category, second part of the SSID.</summary>
    public string Category { get; set; } = "gateway";

    /// <summary>What is wrong with these options (empty when nothing).</summary>
    public IReadOnlyList<string> Validate() => SoftApSsid.Validate(Brand, Category);
}

/// <summary>Builds and checks softAP SSIDs.</summary>
public static class SoftApSsid
{
    /// <summary>The most an SSID may have (IEEE 802.11), in bytes.</summary>
    public const int MaxBytes = 32;

    /// <summary>The MAC suffix and the two underscores.</summary>
    private const int FixedBytes = 6 + 2;

    /// <summary>The SSID for <paramref name="mac"/>.</summary>
    /// <exception cref="ArgumentException">The brand or category breaks a rule, or the MAC is not one.</exception>
    public static string For(SoftApNamingOptions naming, string mac)
    {
        ArgumentNullException.ThrowIfNull(naming);
        return For(naming.Brand, naming.Category, mac);
    }

    /// <summary>The SSID <c>brand_category_XXYYZZ</c> for <paramref name="mac"/>.</summary>
    /// <exception cref="ArgumentException">The brand or category breaks a rule, or the MAC is not one.</exception>
    public static string For(string brand, string category, string mac)
    {
        var errors = Validate(brand, category);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(brand));
        }
        var bytes = DeviceMac.ToBytes(mac);
        return $"{brand}_{category}_{Convert.ToHexString(bytes, 3, 3)}";
    }

    /// <summary>
    /// The rules: brand and category are 1 or more ASCII letters, digits or '-' ('_' separates the
    /// parts), and the whole SSID fits in <see cref="MaxBytes"/> bytes, so brand and category
    /// together have at most 24 characters.
    /// </summary>
    public static IReadOnlyList<string> Validate(string? brand, string? category)
    {
        var errors = new List<string>();
        CheckPart(brand, "Brand", errors);
        CheckPart(category, "Category", errors);
        if (errors.Count == 0 && Encoding.UTF8.GetByteCount(brand!) + Encoding.UTF8.GetByteCount(category!) + FixedBytes > MaxBytes)
        {
            errors.Add($"{SoftApNamingOptions.SectionName}:Brand and {SoftApNamingOptions.SectionName}:Category together must have at most {MaxBytes - FixedBytes} characters (an SSID is at most {MaxBytes} bytes)");
        }
        return errors;
    }

    private static void CheckPart(string? part, string name, List<string> errors)
    {
        if (string.IsNullOrEmpty(part) || !part.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            errors.Add($"{SoftApNamingOptions.SectionName}:{name} must be 1 or more ASCII letters, digits or '-'");
        }
    }
}
