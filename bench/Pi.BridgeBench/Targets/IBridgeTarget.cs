using MQTTnet.Protocol;

namespace Pi.BridgeBench.Targets;

/// <summary>
/// A system under test: something that takes MQTT publishes from LAN-side clients and carries them
/// to a cloud side where they can be observed. The harness starts it, asks it for the publishers and
/// idle clients it needs, drives the load, and stops it. Two implementations:
/// <see cref="MosquittoBridgeTarget"/> (the baseline: two Mosquitto brokers and Mosquitto's bridge,
/// no cryptography) and <see cref="PiGatewayTarget"/> (the Pi gateway's LAN bridge to the Pi cloud,
/// both real, in the harness process).
/// </summary>
/// <remarks>
/// The life cycle, as <see cref="LoadRunner"/> drives it: <see cref="StartAsync"/> once;
/// <see cref="BridgeEndpoints.Clients"/> to create and connect publishers and idle clients; publish;
/// <see cref="StopAsync"/> once, also after a failure or a cancellation (it must then still stop
/// every process it started and delete every temporary file); <see cref="IAsyncDisposable.DisposeAsync"/>
/// last (it may call <see cref="StopAsync"/> again: stopping twice is a no-op).
/// </remarks>
public interface IBridgeTarget : IAsyncDisposable
{
    /// <summary>Short name used in reports and on the command line (<c>mosquitto</c>, <c>pi</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Starts the system under test and returns once it carries messages end to end (readiness is
    /// checked, never assumed after a fixed sleep). From then on the target reports every message
    /// that reaches its cloud side to <paramref name="observer"/>, decoded with
    /// <see cref="BenchPayload.TryRead"/> from whatever the cloud side received.
    /// </summary>
    /// <param name="options">How many publishers and idle clients will be created, payload size, QoS.</param>
    /// <param name="observer">Where delivered messages go; thread-safe, cheap, never blocks.</param>
    /// <param name="cancellationToken">Cancels the start (the target must then clean up in StopAsync).</param>
    Task<BridgeEndpoints> StartAsync(BridgeTargetOptions options, IDeliveryObserver observer, CancellationToken cancellationToken);

    /// <summary>Stops every process and client the target started (by PID) and deletes its temporary files. Idempotent.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>What the harness is about to do, so a target can provision credentials and keys up front.</summary>
/// <param name="Publishers">Publishers that will be created, ids 0..Publishers-1.</param>
/// <param name="IdleClients">Connected-but-silent clients that will be created, indexes 0..IdleClients-1.</param>
/// <param name="PayloadSize">Size of every payload handed to <see cref="IBridgePublisher.PublishAsync"/> (before any transformation).</param>
/// <param name="QualityOfService">QoS of the publishes and of the cloud-side subscription.</param>
/// <param name="MaxInFlightPerPublisher">Publishes a publisher may have unacknowledged at once.</param>
/// <param name="RelayWindow">Pi target only: relays in flight between the gateway and the cloud.</param>
public sealed record BridgeTargetOptions(
    int Publishers,
    int IdleClients,
    int PayloadSize,
    MqttQualityOfServiceLevel QualityOfService,
    int MaxInFlightPerPublisher,
    int RelayWindow = 4);

/// <summary>What a started target offers the harness.</summary>
/// <param name="Clients">Creates the LAN-side clients (publishers and idle clients).</param>
/// <param name="Processes">
/// Processes of the system under test whose CPU time and peak RSS are reported (for example the two
/// brokers). Empty when the system runs inside the harness process: its cost is then part of the
/// harness's own CPU time, and the report says so.
/// </param>
/// <param name="Notes">Lines printed with the results: what the path does and does not do, settings that matter.</param>
public sealed record BridgeEndpoints(
    IBridgeClientFactory Clients,
    IReadOnlyList<MeasuredProcess> Processes,
    IReadOnlyList<string> Notes);

/// <summary>A process whose CPU time and memory are reported.</summary>
public sealed record MeasuredProcess(string Name, int ProcessId);

/// <summary>Creates LAN-side clients with the target's credentials and payload handling.</summary>
public interface IBridgeClientFactory
{
    /// <summary>
    /// A publisher (not yet connected) with its own credentials. The harness calls
    /// <see cref="IBridgeClient.ConnectAsync"/>, then <see cref="IBridgePublisher.PublishAsync"/> from up to
    /// <see cref="BridgeTargetOptions.MaxInFlightPerPublisher"/> concurrent callers.
    /// </summary>
    IBridgePublisher CreatePublisher(int publisherId);

    /// <summary>A client that connects (and completes any handshake) and then stays silent.</summary>
    IBridgeClient CreateIdleClient(int index);
}

/// <summary>A LAN-side client of the system under test.</summary>
public interface IBridgeClient : IAsyncDisposable
{
    /// <summary>The MQTT client id it connects with (for messages).</summary>
    string ClientId { get; }

    /// <summary>Connects and completes any handshake the target needs (e.g. linkHello/linkWelcome).</summary>
    Task ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>A LAN-side client that publishes the harness's payloads.</summary>
public interface IBridgePublisher : IBridgeClient
{
    /// <summary>The id the harness gave it; the cloud side reports it back from the payload.</summary>
    int PublisherId { get; }

    /// <summary>
    /// Publishes one payload (a <see cref="BenchPayload"/>; the target may transform it, e.g. seal it
    /// under a link key) and completes when the LAN side acknowledged it (PUBACK for QoS 1, written
    /// for QoS 0). Called concurrently by up to the in-flight limit; must be thread-safe.
    /// </summary>
    ValueTask<PublishOutcome> PublishAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}

/// <summary>The LAN side's answer to one publish.</summary>
/// <param name="Acknowledged">Accepted (a success reason code); false when refused or failed.</param>
/// <param name="Error">Why not, when not acknowledged.</param>
public readonly record struct PublishOutcome(bool Acknowledged, string? Error)
{
    public static PublishOutcome Ok { get; } = new(true, null);

    public static PublishOutcome Failed(string error) => new(false, error);
}

/// <summary>
/// The cloud-side view the harness needs: every delivered message, decoded by the target. Called
/// from the target's receive path, possibly from several threads; implementations are thread-safe
/// and return quickly.
/// </summary>
public interface IDeliveryObserver
{
    /// <summary>A harness message arrived on the cloud side.</summary>
    /// <param name="publisherId">From the payload.</param>
    /// <param name="sequence">From the payload, 1-based per publisher.</param>
    /// <param name="sentTimestamp">From the payload: <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> just before the publish.</param>
    /// <param name="receivedTimestamp"><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the cloud side had it (same process as the harness).</param>
    void OnDelivered(int publisherId, long sequence, long sentTimestamp, long receivedTimestamp);

    /// <summary>Something arrived on the cloud side that is not a harness payload (counted and reported).</summary>
    void OnUnrecognized(string what);
}
