using System.ComponentModel.DataAnnotations;

namespace Pi.Cloud.Options;

/// <summary>
/// Every setting of the cloud host, bound from the <c>Cloud</c> section (appsettings.json,
/// environment variables <c>Cloud__Http__Port</c>, command line <c>--Cloud:Http:Port</c>) and
/// validated at start.
/// </summary>
public sealed class CloudOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Cloud";

    /// <summary>Where the cloud keeps its files (SQLite database, development certificate).</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>The URL gateways and APPs use to reach this cloud (put into registrationInfo); empty = derived from the HTTP endpoint.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>The MQTT URL given to gateways at login; empty = derived from the MQTT endpoint.</summary>
    public string? PublicMqttUrl { get; set; }

    public HttpOptions Http { get; set; } = new();

    public MqttOptions Mqtt { get; set; } = new();

    public StoreOptions Store { get; set; } = new();

    public KeyOptions Keys { get; set; } = new();

    public AccountOptions Accounts { get; set; } = new();

    public GatewayLoginOptions Login { get; set; } = new();

    public CommandOptions Commands { get; set; } = new();

    /// <summary>How the cloud learns a device's verification code.</summary>
    public VerificationMode Verification { get; set; } = VerificationMode.Import;
}

/// <summary>How the cloud learns a device's verification code.</summary>
public enum VerificationMode
{
    /// <summary>Only from imported factory records (product teams).</summary>
    Import = 1,

    /// <summary>From imported records, or else from the first registration of the device (hobbyists).</summary>
    TrustOnFirstRegistration = 2,
}

/// <summary>The APP and gateway API endpoint.</summary>
public sealed class HttpOptions
{
    /// <summary>Address to listen on.</summary>
    [Required]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Port (0 = any free port).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8443;

    /// <summary>TLS on (default). Plain HTTP only when this is false.</summary>
    public bool UseTls { get; set; } = true;

    /// <summary>A PFX/PKCS#12 certificate; empty = a development certificate created in the data directory on first run.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of <see cref="CertificatePath"/>, if any.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Largest request body accepted, in bytes.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxRequestBodySize { get; set; } = 256 * 1024;
}

/// <summary>Which broker carries the session channel.</summary>
public enum BrokerMode
{
    /// <summary>The embedded MQTTnet broker on this host.</summary>
    Embedded = 1,

    /// <summary>An external broker (Mosquitto with its dynamic-security plugin, EMQX, VerneMQ) that this host is a client of.</summary>
    External = 2,
}

/// <summary>The session channel's broker.</summary>
public sealed class MqttOptions
{
    public BrokerMode Mode { get; set; } = BrokerMode.Embedded;

    /// <summary>Embedded: address to listen on.</summary>
    [Required]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Embedded: port (0 = any free port; 8883 is MQTT over TLS).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8883;

    /// <summary>Embedded: TLS on (default, same certificate as HTTPS). Plain TCP only when false.</summary>
    public bool UseTls { get; set; } = true;

    /// <summary>Embedded: most gateway connections at once.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 10_000;

    public ExternalBrokerOptions External { get; set; } = new();
}

/// <summary>Settings for <see cref="BrokerMode.External"/>.</summary>
public sealed class ExternalBrokerOptions
{
    /// <summary>The broker, e.g. <c>mqtts://broker.example:8883</c> or <c>mqtt://127.0.0.1:1883</c>.</summary>
    public string? Url { get; set; }

    /// <summary>This cloud worker's own MQTT username (an administrative client of the broker).</summary>
    public string? Username { get; set; }

    /// <summary>Its password.</summary>
    public string? Password { get; set; }

    /// <summary>Client id prefix; each worker appends a random suffix.</summary>
    public string ClientIdPrefix { get; set; } = "pi-cloud";

    /// <summary>Accept a broker certificate that does not chain to a trusted root (tests only).</summary>
    public bool AllowUntrustedCertificates { get; set; }

    /// <summary>
    /// Manage gateway credentials through Mosquitto's dynamic-security plugin (<c>$CONTROL/dynamic-security/v1</c>).
    /// False when the broker authenticates gateways some other way (see docs/broker.md).
    /// </summary>
    public bool MosquittoDynamicSecurity { get; set; } = true;
}

/// <summary>The store.</summary>
public sealed class StoreOptions
{
    /// <summary>
    /// Empty = a SQLite file <c>cloud.db</c> in the data directory. A value starting with
    /// <c>Host=</c> (or containing <c>Host=</c>) selects PostgreSQL; <c>Data Source=...</c> selects SQLite.
    /// </summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Key and service lifetimes.</summary>
public sealed class KeyOptions
{
    [Range(1, 36500)]
    public int KeyValidityDays { get; set; } = 365;

    [Range(1, 36500)]
    public int ServiceValidityDays { get; set; } = 730;

    /// <summary>Warn this many days before a key pair or the service expires.</summary>
    [Range(0, 3650)]
    public int WarnDays { get; set; } = 15;
}

/// <summary>APP accounts.</summary>
public sealed class AccountOptions
{
    /// <summary>How long an APP login (bearer token and its binding nonce) lasts.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>PBKDF2-SHA256 iterations for stored passwords (users and gateways).</summary>
    [Range(1000, 10_000_000)]
    public int PasswordHashIterations { get; set; } = 100_000;

    [Range(8, 256)]
    public int MinPasswordLength { get; set; } = 10;
}

/// <summary>Gateway login.</summary>
public sealed class GatewayLoginOptions
{
    /// <summary>How long a login challenge stays usable.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan ChallengeLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a session (sessionkey and MQTT credentials) lasts before the gateway must log in again.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Failed logins allowed per tid and per source address within <see cref="FailureWindow"/>.</summary>
    [Range(1, 10_000)]
    public int MaxFailures { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most outstanding challenges at once (memory bound).</summary>
    [Range(1, 10_000_000)]
    public int MaxOutstandingChallenges { get; set; } = 100_000;
}

/// <summary>Commands sent to gateways.</summary>
public sealed class CommandOptions
{
    /// <summary>How long to wait for a gateway's reply.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
