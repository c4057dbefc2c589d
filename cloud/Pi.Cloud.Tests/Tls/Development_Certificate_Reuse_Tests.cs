using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Pi.Cloud.Tests.Support;
using Pi.Cloud.Tls;

namespace Pi.Cloud.Tests.Tls;

public sealed class Development_Certificate_Reuse_Tests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2031, 5, 17, 8, 30, 0, TimeSpan.Zero);

    private readonly TemporaryDirectory _data = new();
    private readonly CapturedLog _log = new();
    private readonly FakeTimeProvider _time = new(Start);

    public void Dispose()
    {
        _data.Dispose();
        _log.Dispose();
    }

    private string Path => DevelopmentCertificate.PathIn(_data.Path);

    private string Thumbprint(TimeProvider? time = null)
    {
        using var certificate = DevelopmentCertificate.LoadOrCreate(_data.Path, null, null, time ?? _time, _log.CreateLogger("tls"));
        Assert.True(certificate.HasPrivateKey);
        return certificate.Thumbprint;
    }

    [Fact]
    public void Reuses_the_certificate_on_later_runs()
    {
        var first = Thumbprint();
        _time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(first, Thumbprint());
        Assert.Equal(first, Thumbprint());
        Assert.Contains("using development certificate", _log.Entries[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reuses_it_until_30_days_before_it_expires()
    {
        var first = Thumbprint();
        _time.Advance(TimeSpan.FromDays(365 - 30) - TimeSpan.FromSeconds(1));

        Assert.Equal(first, Thumbprint());
    }

    [Fact]
    public void Renews_it_within_30_days_of_expiry()
    {
        var first = Thumbprint();
        _time.Advance(TimeSpan.FromDays(365 - 30));

        var second = Thumbprint();

        Assert.NotEqual(first, second);
        using var renewed = X509CertificateLoader.LoadPkcs12FromFile(Path, null);
        Assert.Equal(second, renewed.Thumbprint);
        Assert.Equal(_time.GetUtcNow().AddDays(365).UtcDateTime, renewed.NotAfter.ToUniversalTime());
        Assert.Contains(_log.Entries, e => e.Message.Contains("renewing", StringComparison.Ordinal));
        Assert.False(File.Exists(Path + ".bad"));
    }

    [Fact]
    public void Renews_an_expired_certificate()
    {
        var first = Thumbprint();
        _time.Advance(TimeSpan.FromDays(800));

        Assert.NotEqual(first, Thumbprint());
    }

    [Fact]
    public void Renews_a_certificate_that_is_not_valid_yet_after_the_clock_went_back()
    {
        var first = Thumbprint();

        Assert.NotEqual(first, Thumbprint(new FakeTimeProvider(Start.AddDays(-2))));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x82, 0x01 })]
    [InlineData(new byte[] { 0x50, 0x4b, 0x03, 0x04, 0x00 })]
    public void Replaces_a_corrupt_file_and_keeps_it_as_bad(byte[] garbage)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        File.WriteAllBytes(Path, garbage);

        var thumbprint = Thumbprint();

        Assert.Equal(garbage, File.ReadAllBytes(Path + ".bad"));
        using var replaced = X509CertificateLoader.LoadPkcs12FromFile(Path, null);
        Assert.Equal(thumbprint, replaced.Thumbprint);
        var warning = Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(".bad", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replaces_a_file_that_holds_a_certificate_without_its_key()
    {
        var first = Thumbprint();
        using (var full = X509CertificateLoader.LoadPkcs12FromFile(Path, null))
        using (var publicOnly = X509CertificateLoader.LoadCertificate(full.RawData))
        {
            File.WriteAllBytes(Path, publicOnly.Export(X509ContentType.Pkcs12));
        }

        Assert.NotEqual(first, Thumbprint());
        Assert.True(File.Exists(Path + ".bad"));
    }

    [Fact]
    public void Replaces_a_password_protected_file_it_cannot_open()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using (var other = TestCertificates.Create("CN=other"))
        {
            File.WriteAllBytes(Path, other.Export(X509ContentType.Pkcs12, "some password"));
        }

        Thumbprint();

        Assert.True(File.Exists(Path + ".bad"));
    }
}
