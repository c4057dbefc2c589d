using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pi.Gateway.Cloud;

/// <summary>
/// Which cloud certificates the gateway accepts: a chain to a trusted root, or one of the pinned
/// SHA-256 fingerprints (a cloud on its self-made development certificate).
/// </summary>
public sealed class CloudTrust
{
    private readonly byte[][] _pins;

    public CloudTrust(IEnumerable<string> sha256Fingerprints)
    {
        ArgumentNullException.ThrowIfNull(sha256Fingerprints);
        _pins = [.. sha256Fingerprints.Select(Parse)];
    }

    /// <summary>True when a certificate is pinned.</summary>
    public bool HasPins => _pins.Length > 0;

    /// <summary>The validation rule for HTTPS and MQTT over TLS.</summary>
    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || _pins.Length == 0)
        {
            return false;
        }
        var hash = certificate.GetCertHash(HashAlgorithmName.SHA256);
        return _pins.Any(pin => CryptographicOperations.FixedTimeEquals(pin, hash));
    }

    private static byte[] Parse(string fingerprint)
    {
        var hex = fingerprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        try
        {
            var bytes = Convert.FromHexString(hex);
            return bytes.Length == 32 ? bytes : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new ArgumentException("a trusted certificate fingerprint must be 32 bytes of hex (SHA-256)", nameof(fingerprint));
        }
    }
}
