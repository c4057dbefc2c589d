namespace Pi.Gateway.Cloud;

/// <summary>How the gateway talks to its cloud (section <c>Cloud</c>).</summary>
public sealed class CloudClientOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Cloud";

    /// <summary>
    /// SHA-256 fingerprints (hex, colons allowed) of certificates the gateway accepts from the cloud
    /// (HTTPS and MQTT over TLS) in place of a chain to a trusted root: how a gateway trusts a cloud
    /// that runs on its self-made development certificate. Empty = the system's trusted roots only.
    /// </summary>
    public IList<string> TrustedCertificateSha256 { get; } = [];

    /// <summary>The cloud URL when registrationInfo carried none.</summary>
    public string? DefaultCloudUrl { get; set; }

    /// <summary>How long one login (challenge + login) may take.</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an MQTT connect may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a request to the cloud waits for its answer.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the gateway sends a heartbeat while online.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>MQTT keep-alive.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long logout at shutdown waits for the cloud's ack.</summary>
    public TimeSpan LogoutTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The problems with these settings (empty when valid); messages name the setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Between(TimeSpan value, string name, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                problems.Add($"{Section}:{name} must be between {min} and {max}");
            }
        }
        Between(LoginTimeout, nameof(LoginTimeout), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Between(ConnectTimeout, nameof(ConnectTimeout), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Between(RequestTimeout, nameof(RequestTimeout), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Between(HeartbeatInterval, nameof(HeartbeatInterval), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Between(KeepAlive, nameof(KeepAlive), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(30));
        Between(LogoutTimeout, nameof(LogoutTimeout), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        try
        {
            _ = new CloudTrust(TrustedCertificateSha256);
        }
        catch (ArgumentException)
        {
            problems.Add($"{Section}:TrustedCertificateSha256 entries must be SHA-256 fingerprints in hex");
        }
        if (!string.IsNullOrEmpty(DefaultCloudUrl) && !Uri.TryCreate(DefaultCloudUrl, UriKind.Absolute, out _))
        {
            problems.Add($"{Section}:DefaultCloudUrl must be an absolute URL");
        }
        return problems;
    }
}
