using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Pi.Cloud.Tests.Support;
using Pi.Cloud.Tls;

namespace Pi.Cloud.Tests.Tls;

public sealed class Development_Certificate_Creation_Tests : IDisposable
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

    private X509Certificate2 LoadOrCreate() =>
        DevelopmentCertificate.LoadOrCreate(_data.Path, null, null, _time, _log.CreateLogger("tls"));

    [Fact]
    public void Creates_a_self_signed_p256_server_certificate_with_a_private_key()
    {
        using var certificate = LoadOrCreate();

        Assert.Equal("CN=Pi Cloud development", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.True(certificate.HasPrivateKey);
        using var key = certificate.GetECDsaPrivateKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
    }

    [Fact]
    public void Is_valid_for_a_year_from_the_clock_allowing_a_little_skew()
    {
        using var certificate = LoadOrCreate();

        Assert.Equal(Start.AddDays(365).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.InRange(certificate.NotBefore.ToUniversalTime(), Start.AddMinutes(-10).UtcDateTime, Start.UtcDateTime);
    }

    [Fact]
    public void Is_for_server_authentication_and_digital_signatures_only()
    {
        using var certificate = LoadOrCreate();

        var usage = Assert.Single(certificate.Extensions.OfType<X509KeyUsageExtension>());
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        var enhanced = Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], enhanced.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        var constraints = Assert.Single(certificate.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.False(constraints.CertificateAuthority);
    }

    [Fact]
    public void Names_localhost_the_loopback_addresses_and_this_host()
    {
        using var certificate = LoadOrCreate();

        var names = Assert.Single(certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        var dns = names.EnumerateDnsNames().ToList();
        Assert.Contains("localhost", dns);
        Assert.Contains(Dns.GetHostName(), dns, StringComparer.OrdinalIgnoreCase);
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        Assert.True(certificate.MatchesHostname("localhost"));
        Assert.True(certificate.MatchesHostname("127.0.0.1"));
        Assert.True(certificate.MatchesHostname("::1"));
    }

    [Fact]
    public void Saves_it_in_the_tls_folder_of_the_data_directory_and_nothing_else()
    {
        using var certificate = LoadOrCreate();

        var path = Path.Combine(_data.Path, "tls", "dev-cert.pfx");
        Assert.Equal(path, DevelopmentCertificate.PathIn(_data.Path));
        Assert.Equal([path], Directory.GetFiles(Path.Combine(_data.Path, "tls")));
        using var saved = X509CertificateLoader.LoadPkcs12FromFile(path, null);
        Assert.Equal(certificate.Thumbprint, saved.Thumbprint);
        Assert.True(saved.HasPrivateKey);
    }

    [Fact]
    public void Creates_a_data_directory_that_does_not_exist_yet()
    {
        var data = Path.Combine(_data.Path, "not", "yet");

        using var certificate = DevelopmentCertificate.LoadOrCreate(data, null, null, _time, _log.CreateLogger("tls"));

        Assert.True(File.Exists(DevelopmentCertificate.PathIn(data)));
    }

    [Fact]
    public void Keeps_the_key_file_and_its_folder_private()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only
        }
        using var certificate = LoadOrCreate();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DevelopmentCertificate.PathIn(_data.Path)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_data.Path, "tls")));
    }

    [Fact]
    public void Tightens_the_modes_of_a_folder_and_file_that_were_too_open()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only
        }
        using (LoadOrCreate())
        {
        }
        var folder = Path.Combine(_data.Path, "tls");
        var file = DevelopmentCertificate.PathIn(_data.Path);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);

        using var certificate = LoadOrCreate();

        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(file));
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(folder));
    }

    [Fact]
    public void Logs_the_sha256_fingerprint()
    {
        using var certificate = LoadOrCreate();

        var fingerprint = DevelopmentCertificate.Sha256Fingerprint(certificate);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.RawData)), fingerprint.Replace(":", "", StringComparison.Ordinal));
        Assert.Equal(32 * 3 - 1, fingerprint.Length);
        var entry = Assert.Single(_log.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Contains(fingerprint, entry.Message, StringComparison.Ordinal);
        Assert.Contains("created", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encodes_its_names_as_der_that_round_trips()
    {
        using var certificate = LoadOrCreate();

        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var reader = new AsnReader(names.RawData, AsnEncodingRules.DER);
        reader.ReadSequence();
        Assert.False(reader.HasData);
    }
}
