using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pi.Cloud.Tests.Tls;

internal static class TestCertificates
{
    /// <summary>A throwaway self-signed certificate with its private key.</summary>
    public static X509Certificate2 Create(string subject, int validDays = 30)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(validDays));
    }
}
