using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pi.Cloud.Tls;

/// <summary>
/// The certificate the cloud serves HTTPS and MQTTS with: the configured PFX, or else a self-signed
/// development certificate kept in <c>&lt;data&gt;/tls/dev-cert.pfx</c>, created on first run and
/// renewed 30 days before it expires. Clients trust the development certificate by pinning its
/// SHA-256 fingerprint, which is logged at every start.
/// </summary>
public static partial class DevelopmentCertificate
{
    /// <summary>Subject of the development certificate.</summary>
    public const string SubjectName = "CN=Pi Cloud development";

    /// <summary>Folder under the data directory, and file name, of the development certificate.</summary>
    public const string FolderName = "tls", FileName = "dev-cert.pfx";

    /// <summary>How long a new development certificate is valid.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(365);

    /// <summary>A development certificate this close to its end is replaced.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    // A clock a little behind this one must still accept a certificate made just now.
    private static readonly TimeSpan BackdateBy = TimeSpan.FromMinutes(5);

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// Loads <paramref name="certificatePath"/> when it is set; otherwise loads, creates or renews the
    /// development certificate under <paramref name="dataDirectory"/>. The result has a private key
    /// that Kestrel and <see cref="System.Net.Security.SslStream"/> can use.
    /// </summary>
    /// <exception cref="CertificateLoadException">The configured file is missing, unreadable, not a PFX,
    /// opened with the wrong password or without a private key; or the development certificate cannot be written.</exception>
    public static X509Certificate2 LoadOrCreate(string dataDirectory, string? certificatePath, string? password, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        if (!string.IsNullOrWhiteSpace(certificatePath))
        {
            return LoadConfigured(certificatePath, password, time, logger);
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return LoadOrCreateDevelopment(dataDirectory, time, logger);
    }

    /// <summary>The SHA-256 fingerprint of a certificate as colon-separated upper-case hex, the form browsers and openssl show.</summary>
    public static string Sha256Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Where the development certificate of a data directory is kept.</summary>
    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FolderName, FileName);

    private static X509Certificate2 LoadConfigured(string path, string? password, TimeProvider time, ILogger logger)
    {
        if (!File.Exists(path))
        {
            throw new CertificateLoadException($"The certificate file '{path}' (Cloud:Http:CertificatePath) does not exist.");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, KeyStorage);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CertificateLoadException($"The certificate file '{path}' cannot be read.", exception);
        }
        catch (CryptographicException exception)
        {
            throw new CertificateLoadException($"The certificate file '{path}' could not be opened: it is not a PKCS#12 (PFX) file, or the password (Cloud:Http:CertificatePassword) is wrong.", exception);
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new CertificateLoadException($"The certificate file '{path}' holds no private key for its certificate.");
        }
        var now = time.GetUtcNow();
        var notAfter = certificate.NotAfter.ToUniversalTime();
        var subject = certificate.Subject;
        var fingerprint = Sha256Fingerprint(certificate);
        LogLoadedConfigured(logger, path, subject, fingerprint, notAfter);
        if (now >= notAfter - RenewBefore)
        {
            LogConfiguredExpiring(logger, path, notAfter);
        }
        return certificate;
    }

    private static X509Certificate2 LoadOrCreateDevelopment(string dataDirectory, TimeProvider time, ILogger logger)
    {
        var folder = Path.Combine(dataDirectory, FolderName);
        var path = Path.Combine(folder, FileName);
        var now = time.GetUtcNow();
        try
        {
            CreatePrivateFolder(folder);
            if (File.Exists(path) && TryLoadDevelopment(path, logger) is { } existing)
            {
                var notBefore = existing.NotBefore.ToUniversalTime();
                var notAfter = existing.NotAfter.ToUniversalTime();
                if (now >= notBefore && now < notAfter - RenewBefore)
                {
                    KeepPrivate(path);
                    var fingerprint = Sha256Fingerprint(existing);
                    LogReused(logger, path, fingerprint, notAfter);
                    return existing;
                }
                LogRenewing(logger, path, notBefore, notAfter);
                existing.Dispose();
            }
            var created = Create(now);
            WriteAtomically(path, created);
            var createdFingerprint = Sha256Fingerprint(created);
            var createdNotAfter = created.NotAfter.ToUniversalTime();
            LogCreated(logger, path, createdFingerprint, createdNotAfter);
            return created;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CertificateLoadException($"The development certificate '{path}' cannot be read or written.", exception);
        }
    }

    /// <summary>The certificate in <paramref name="path"/>, or null (the file set aside as .bad) when it is not a usable PFX.</summary>
    private static X509Certificate2? TryLoadDevelopment(string path, ILogger logger)
    {
        X509Certificate2? certificate = null;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password: null, KeyStorage);
            if (certificate.HasPrivateKey)
            {
                return certificate;
            }
        }
        catch (CryptographicException)
        {
            // fall through: corrupt
        }
        certificate?.Dispose();
        var bad = path + ".bad";
        File.Move(path, bad, overwrite: true);
        LogCorrupt(logger, path, bad);
        return null;
    }

    private static X509Certificate2 Create(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(SubjectAlternativeNames());

        using var selfSigned = request.CreateSelfSigned(now - BackdateBy, now + Validity);
        // Reloaded from PKCS#12 so the key is held the way Kestrel and SslStream expect on every platform.
        return X509CertificateLoader.LoadPkcs12(selfSigned.Export(X509ContentType.Pkcs12), password: null, KeyStorage);
    }

    private static X509Extension SubjectAlternativeNames()
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        var host = Dns.GetHostName();
        if (!string.IsNullOrWhiteSpace(host) && !string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                names.AddDnsName(host);
            }
            catch (ArgumentException)
            {
                // A host name that is not a valid DNS name cannot go into the certificate; the others still do.
            }
        }
        return names.Build();
    }

    private static void WriteAtomically(string path, X509Certificate2 certificate)
    {
        var bytes = certificate.Export(X509ContentType.Pkcs12);
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var file = new FileStream(temporary, options))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // An existing folder keeps its mode from CreateDirectory; it holds a private key, so tighten it.
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void KeepPrivate(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    // Linux and macOS keep no key files for ephemeral keys; Windows' TLS stack cannot use them.
    private static X509KeyStorageFlags KeyStorage =>
        OperatingSystem.IsWindows() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "TLS: created development certificate {Path}, SHA-256 {Fingerprint}, valid until {NotAfter:u}")]
    private static partial void LogCreated(ILogger logger, string path, string fingerprint, DateTime notAfter);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "TLS: using development certificate {Path}, SHA-256 {Fingerprint}, valid until {NotAfter:u}")]
    private static partial void LogReused(ILogger logger, string path, string fingerprint, DateTime notAfter);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "TLS: renewing development certificate {Path} (valid {NotBefore:u} to {NotAfter:u})")]
    private static partial void LogRenewing(ILogger logger, string path, DateTime notBefore, DateTime notAfter);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "TLS: development certificate {Path} is not a usable PFX; kept as {BadPath} and replaced")]
    private static partial void LogCorrupt(ILogger logger, string path, string badPath);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "TLS: using certificate {Path} ({Subject}), SHA-256 {Fingerprint}, valid until {NotAfter:u}")]
    private static partial void LogLoadedConfigured(ILogger logger, string path, string subject, string fingerprint, DateTime notAfter);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "TLS: certificate {Path} expires (or expired) at {NotAfter:u}; replace it")]
    private static partial void LogConfiguredExpiring(ILogger logger, string path, DateTime notAfter);
}
