using System.Security.Cryptography;
using MQTTnet;
using MQTTnet.Formatter;
using Pi.Cloud.Options;

namespace Pi.Cloud.Broker;

/// <summary>Where and how a cloud worker connects to the external broker, from <see cref="ExternalBrokerOptions"/>.</summary>
internal sealed record ExternalBrokerConnection(string Host, int Port, bool UseTls)
{
    /// <summary>Port of <c>mqtt://</c> when the URL names none.</summary>
    public const int DefaultPlainPort = 1883;

    /// <summary>Port of <c>mqtts://</c> when the URL names none.</summary>
    public const int DefaultTlsPort = 8883;

    private const string Setting = "Cloud:Mqtt:External";

    /// <summary>How long a connect (TCP, TLS and CONNACK) may take before the attempt counts as failed.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Keep-alive: how soon a silently dead broker is noticed (1.5 x this).</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>Reads and checks the URL; throws with the setting's name when it is unusable.</summary>
    public static ExternalBrokerConnection Parse(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new InvalidOperationException($"{Setting}:Url is required when Cloud:Mqtt:Mode is External (e.g. mqtts://broker.example:8883).");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)
            || (uri.AbsolutePath is not ("" or "/")) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new InvalidOperationException($"{Setting}:Url must look like mqtt://host[:port] or mqtts://host[:port] (credentials go in {Setting}:Username and :Password), got '{url}'.");
        }
        var tls = uri.Scheme switch
        {
            "mqtts" => true,
            "mqtt" => false,
            _ => throw new InvalidOperationException($"{Setting}:Url must start with mqtt:// or mqtts://, got '{uri.Scheme}://'."),
        };
        var port = uri.IsDefaultPort || uri.Port < 0 ? (tls ? DefaultTlsPort : DefaultPlainPort) : uri.Port;
        return new ExternalBrokerConnection(uri.DnsSafeHost, port, tls);
    }

    /// <summary>A client id for one worker: the configured prefix and a random suffix.</summary>
    public static string NewClientId(string? prefix) =>
        (string.IsNullOrWhiteSpace(prefix) ? "pi-cloud" : prefix) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>
    /// MQTT 5 client options: clean start and no session kept by the broker (a lost worker's share
    /// of the up traffic goes to the other workers instead of queueing for it), the worker's own
    /// credentials, TLS for <c>mqtts://</c>.
    /// </summary>
    public static MqttClientOptions CreateClientOptions(ExternalBrokerOptions options, string clientId)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = Parse(options.Url);
        if (string.IsNullOrEmpty(options.Username))
        {
            throw new InvalidOperationException($"{Setting}:Username is required: the cloud's own user on the broker (docs/broker.md).");
        }
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(connection.Host, connection.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCredentials(options.Username, options.Password ?? "")
            .WithCleanStart(true)
            .WithSessionExpiryInterval(0)
            .WithKeepAlivePeriod(KeepAlive)
            .WithTimeout(ConnectTimeout);
        if (connection.UseTls)
        {
            builder.WithTlsOptions(tls => tls
                .UseTls()
                .WithTargetHost(connection.Host)
                .WithAllowUntrustedCertificates(options.AllowUntrustedCertificates)
                .WithIgnoreCertificateChainErrors(options.AllowUntrustedCertificates));
        }
        return builder.Build();
    }
}
