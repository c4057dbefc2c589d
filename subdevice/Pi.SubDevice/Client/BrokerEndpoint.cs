using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pi.SubDevice.Client;

/// <summary>
/// Where the gateway's local broker is: <c>mqtt://host:port</c> (plain, default port 1883) or
/// <c>mqtts://host:port</c> (TLS, default port 8883), optionally with the SHA-256 fingerprint of the
/// broker's certificate to pin it (docs/protocol.md, section 6.1, <c>brokerFingerprint</c>).
/// </summary>
public sealed record BrokerEndpoint
{
    private readonly byte[]? _pin;

    private BrokerEndpoint(string host, int port, bool useTls, byte[]? pin)
    {
        Host = host;
        Port = port;
        UseTls = useTls;
        _pin = pin;
    }

    /// <summary>Host name or address.</summary>
    public string Host { get; }

    /// <summary>TCP port.</summary>
    public int Port { get; }

    /// <summary>True for <c>mqtts</c>.</summary>
    public bool UseTls { get; }

    /// <summary>True when a certificate fingerprint is pinned.</summary>
    public bool IsPinned => _pin is not null;

    /// <summary>Parses a broker URL and an optional fingerprint (hex, colons and spaces allowed).</summary>
    /// <exception cref="FormatException">Not an mqtt/mqtts URL, or a fingerprint that is not 32 bytes of hex.</exception>
    public static BrokerEndpoint Parse(string url, string? sha256Fingerprint = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("the broker must be an absolute mqtt://host:port or mqtts://host:port URL");
        }
        var tls = uri.Scheme == "mqtts";
        byte[]? pin = null;
        if (!string.IsNullOrWhiteSpace(sha256Fingerprint))
        {
            if (!tls)
            {
                throw new FormatException("a certificate fingerprint needs an mqtts:// broker");
            }
            var hex = sha256Fingerprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
            try
            {
                pin = Convert.FromHexString(hex);
            }
            catch (FormatException)
            {
                pin = null;
            }
            if (pin is not { Length: 32 })
            {
                throw new FormatException("the broker fingerprint must be 32 bytes of hex (SHA-256 of the certificate)");
            }
        }
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 8883 : 1883) : uri.Port;
        return new BrokerEndpoint(uri.Host, port, tls, pin);
    }

    /// <summary>
    /// The TLS rule: with a pin, exactly the pinned certificate (a gateway's self-made certificate
    /// has no chain to trust); without one, a certificate the system trusts for this host.
    /// </summary>
    public bool ValidateCertificate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (_pin is null)
        {
            return errors == SslPolicyErrors.None;
        }
        return certificate is not null
            && CryptographicOperations.FixedTimeEquals(_pin, certificate.GetCertHash(HashAlgorithmName.SHA256));
    }

    /// <summary>The URL form (never secret).</summary>
    public override string ToString() => $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port}";
}
