using Microsoft.Extensions.DependencyInjection;
using Pi.Cloud.Broker;
using Pi.Cloud.Operations;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Sessions;

/// <summary>
/// Seals messages for a gateway under its session and hands them to the broker. The broker is
/// resolved on first use because it, in turn, delivers up-traffic to the session channel.
/// </summary>
public sealed class DownLink
{
    private readonly IServiceProvider _services;
    private readonly CloudMetrics _metrics;
    private IGatewayBroker? _broker;

    public DownLink(IServiceProvider services, CloudMetrics metrics)
    {
        _services = services;
        _metrics = metrics;
    }

    internal IGatewayBroker Broker => _broker ??= _services.GetRequiredService<IGatewayBroker>();

    /// <summary>Seals and sends one message. False when the gateway is not connected.</summary>
    public async ValueTask<bool> SendAsync(GatewaySession session, SessionMessage message, string? did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var envelope = session.Seal(message, did);
        var sent = await Broker.SendDownAsync(session.Tid, envelope, cancellationToken).ConfigureAwait(false);
        if (sent)
        {
            _metrics.PacketOut();
        }
        return sent;
    }
}
