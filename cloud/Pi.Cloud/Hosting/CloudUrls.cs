using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Pi.Cloud.Options;

namespace Pi.Cloud;

/// <summary>
/// The endpoints Kestrel listens on (their ports are known once the host has started, which
/// matters when a port of 0 was configured) and the URLs the cloud gives out: its own URL in
/// registrationInfo and the MQTT URL in loginReply.
/// </summary>
public sealed class CloudUrls
{
    private readonly IOptions<CloudOptions> _options;

    public CloudUrls(IOptions<CloudOptions> options) => _options = options;

    internal ListenOptions? Http { get; set; }

    internal ListenOptions? Mqtt { get; set; }

    /// <summary>The bound HTTP(S) endpoint.</summary>
    public IPEndPoint? HttpEndPoint => Http?.IPEndPoint;

    /// <summary>The bound MQTT endpoint of the embedded broker, if any.</summary>
    public IPEndPoint? MqttEndPoint => Mqtt?.IPEndPoint;

    /// <summary>The cloud's URL for APPs and gateways.</summary>
    public string? PublicUrl =>
        !string.IsNullOrEmpty(_options.Value.PublicUrl) ? _options.Value.PublicUrl
        : HttpEndPoint is { } ep ? $"{(_options.Value.Http.UseTls ? "https" : "http")}://{Format(ep)}" : null;

    /// <summary>Where gateways find the session channel.</summary>
    public string? MqttUrl
    {
        get
        {
            var options = _options.Value;
            if (!string.IsNullOrEmpty(options.PublicMqttUrl))
            {
                return options.PublicMqttUrl;
            }
            if (options.Mqtt.Mode == BrokerMode.External)
            {
                return options.Mqtt.External.Url;
            }
            return MqttEndPoint is { } ep ? $"{(options.Mqtt.UseTls ? "mqtts" : "mqtt")}://{Format(ep)}" : null;
        }
    }

    private static string Format(IPEndPoint endPoint) =>
        endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any)
            ? $"{Dns.GetHostName()}:{endPoint.Port}"
            : endPoint.ToString();
}
