namespace Pi.Cloud.Tls;

/// <summary>
/// The HTTPS/MQTTS certificate could not be loaded or created. The message names the file and what
/// is wrong with it, never a password.
/// </summary>
public sealed class CertificateLoadException : Exception
{
    /// <summary>A failure with a reason.</summary>
    public CertificateLoadException(string message)
        : base(message)
    {
    }

    /// <summary>A failure with a reason and its cause.</summary>
    public CertificateLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>An unspecified failure.</summary>
    public CertificateLoadException()
        : base("The TLS certificate could not be loaded.")
    {
    }
}
