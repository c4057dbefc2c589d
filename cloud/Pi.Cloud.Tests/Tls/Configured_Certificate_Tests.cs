using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Pi.Cloud.Tests.Support;
using Pi.Cloud.Tls;

namespace Pi.Cloud.Tests.Tls;

public sealed class Configured_Certificate_Tests : IDisposable
{
    private const string Password = "Corr3ct-h0rse-pfx-password";

    private readonly TemporaryDirectory _data = new();
    private readonly CapturedLog _log = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public void Dispose()
    {
        _data.Dispose();
        _log.Dispose();
    }

    private string WritePfx(X509Certificate2 certificate, string? password, string name = "server.pfx")
    {
        var path = Path.Combine(_data.Path, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    private X509Certificate2 Load(string path, string? password) =>
        DevelopmentCertificate.LoadOrCreate(_data.Path, path, password, _time, _log.CreateLogger("tls"));

    [Fact]
    public void Loads_the_configured_pfx_with_its_key_and_creates_nothing()
    {
        using var original = TestCertificates.Create("CN=cloud.example", validDays: 365);
        var path = WritePfx(original, Password);

        using var loaded = Load(path, Password);

        Assert.Equal(original.Thumbprint, loaded.Thumbprint);
        Assert.True(loaded.HasPrivateKey);
        Assert.False(Directory.Exists(Path.Combine(_data.Path, "tls")));
        var entry = Assert.Single(_log.Entries);
        Assert.Contains(DevelopmentCertificate.Sha256Fingerprint(original), entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loads_a_pfx_without_a_password()
    {
        using var original = TestCertificates.Create("CN=cloud.example");

        using var loaded = Load(WritePfx(original, null), null);

        Assert.Equal(original.Thumbprint, loaded.Thumbprint);
    }

    [Fact]
    public void Warns_when_the_configured_certificate_is_about_to_expire()
    {
        using var original = TestCertificates.Create("CN=cloud.example");
        var path = WritePfx(original, Password);

        using var loaded = Load(path, Password);

        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("expires", StringComparison.Ordinal));
    }

    [Fact]
    public void Refuses_the_wrong_password_without_echoing_either()
    {
        using var original = TestCertificates.Create("CN=cloud.example");
        var path = WritePfx(original, Password);

        var error = Assert.Throws<CertificateLoadException>(() => Load(path, "Wr0ng-pfx-password"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ng-pfx-password", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_missing_file()
    {
        var path = Path.Combine(_data.Path, "nowhere.pfx");

        var error = Assert.Throws<CertificateLoadException>(() => Load(path, Password));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_file_that_is_not_a_pfx()
    {
        var path = Path.Combine(_data.Path, "server.pem");
        File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

        var error = Assert.Throws<CertificateLoadException>(() => Load(path, Password));

        Assert.Contains("PKCS#12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_pfx_without_a_private_key()
    {
        using var original = TestCertificates.Create("CN=cloud.example");
        using var publicOnly = X509CertificateLoader.LoadCertificate(original.RawData);
        var path = WritePfx(publicOnly, Password);

        var error = Assert.Throws<CertificateLoadException>(() => Load(path, Password));

        Assert.Contains("no private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_blank_path_means_the_development_certificate()
    {
        using var certificate = Load("  ", null);

        Assert.Equal(DevelopmentCertificate.SubjectName, certificate.Subject);
    }
}
