namespace Pi.BridgeBench.Targets;

/// <summary>
/// TODO(lead): the Pi gateway's LAN bridge carrying sub-device traffic to the Pi cloud — the second
/// system under test. Not wired yet: <see cref="StartAsync"/> throws <see cref="NotSupportedException"/>.
/// </summary>
/// <remarks>
/// What it is meant to do, against the real code (docs/protocol.md sections 9 "Relay" and 10):
/// <list type="number">
/// <item>Start the cloud (<c>cloud/Pi.Cloud.Testing</c> <c>CloudHost</c>), provision and log in one
/// gateway, start the gateway with its bridge (its own MQTTnet broker on a free 127.0.0.1 port).</item>
/// <item>Register <see cref="BridgeTargetOptions.Publishers"/> + <see cref="BridgeTargetOptions.IdleClients"/>
/// sub-devices with the cloud (the gateway learns them by <c>subDeviceAdded</c>) and open the pairing
/// window, or pre-link them, so every one may connect.</item>
/// <item><see cref="IBridgeClientFactory"/>: a <see cref="MqttBridgeClient"/> per sub-device with
/// client id = username = did, password = the LAN password (section 3.7), topic <c>pi/v2/dev/{did}/up</c>,
/// and an <see cref="IPublisherLink"/> whose <c>OnConnectedAsync</c> subscribes to <c>welcome</c>/<c>down</c>,
/// publishes a linkHello, awaits the linkWelcome and derives the link key, and whose <c>Transform</c>
/// wraps the harness bytes in a sub-device <c>request</c> (e.g. command <c>telemetry</c>, the bytes
/// Base64 in <c>args</c>) and seals it under the link key (direction 05, did set). Idle clients do the
/// same handshake and publish nothing.</item>
/// <item>Observer: where the cloud handles a <c>relay</c>, take each item's <c>message</c>, decode the
/// harness bytes from it, and call <see cref="IDeliveryObserver.OnDelivered"/> with
/// <see cref="BenchPayload.TryRead(ReadOnlySpan{byte}, out int, out long, out long)"/>'s values and
/// <c>Stopwatch.GetTimestamp()</c> (availability items and anything else: ignore or
/// <see cref="IDeliveryObserver.OnUnrecognized"/>).</item>
/// <item><see cref="BridgeEndpoints.Processes"/>: empty when gateway and cloud run inside the harness
/// (their CPU is then in the harness's own figure, and the report should say so in
/// <see cref="BridgeEndpoints.Notes"/>); the PIDs when they run as separate processes (fairer: the
/// Mosquitto baseline's brokers are separate processes).</item>
/// <item><see cref="StopAsync"/>: stop gateway and cloud, delete temporary state; idempotent.</item>
/// </list>
/// The harness's payload size is what the sub-device application sends; the sealed envelope and the
/// JSON around it are the Pi path's own overhead and count against it, as they should.
/// </remarks>
public sealed class PiGatewayTarget : IBridgeTarget
{
    public string Name => "pi";

    public Task<BridgeEndpoints> StartAsync(BridgeTargetOptions options, IDeliveryObserver observer, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the Pi gateway target is wired by the lead");

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
