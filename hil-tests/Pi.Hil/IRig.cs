using System.Net;
using Pi.Gateway.Leds;
using Pi.Hil.Leds;

namespace Pi.Hil;

/// <summary>Which rig runs the scenarios, and how its network is made.</summary>
public enum RigMode
{
    /// <summary>Simulated rig: APP and gateway in their own network namespaces joined by a veth pair (root with <c>ip netns</c>).</summary>
    SimulatedNetns,

    /// <summary>Simulated rig on 127.0.0.1 (not root, or no <c>ip netns</c>).</summary>
    SimulatedLoopback,

    /// <summary>A real gateway Pi, driven through the GPIO of a second Pi.</summary>
    Pi,
}

/// <summary>Where the gateway can be reached.</summary>
/// <param name="SearchEndPoint">Where the APP sends searchDevice (a broadcast address on a real or namespaced network).</param>
/// <param name="SoftApAddress">The gateway's address on its softAP side.</param>
/// <param name="LanAddress">The gateway's address on the router's LAN (sub-devices' broker, the second search).</param>
/// <param name="AppInterface">The APP's network interface for SO_BINDTODEVICE, when it has one.</param>
/// <param name="AnswerPort">The APP's UDP port for deviceInfo answers.</param>
public sealed record GatewayAddresses(IPEndPoint SearchEndPoint, IPAddress SoftApAddress, IPAddress LanAddress, string? AppInterface, int AnswerPort)
{
    /// <summary>The LAN search end point (the same port as the softAP search).</summary>
    public IPEndPoint LanSearchEndPoint { get; init; } = SearchEndPoint;
}

/// <summary>
/// A hardware-in-the-loop rig around one gateway: its reset button and status LEDs (through GPIO),
/// its power, its addresses; the APP run as a process; the cloud it talks to. Implemented by
/// <see cref="Simulated.SimulatedRig"/> and <see cref="Pi.PiRig"/>.
/// </summary>
public interface IRig : IAsyncDisposable
{
    /// <summary>Which rig this is.</summary>
    RigMode Mode { get; }

    /// <summary>The gateway's addresses.</summary>
    GatewayAddresses Addresses { get; }

    /// <summary>The status LEDs the rig reads (1 or 2: green, then red).</summary>
    int LedCount { get; }

    /// <summary>Every LED change the rig has seen since it started, with the levels before the first one.</summary>
    LedTimeline LedTimeline { get; }

    /// <summary>The APP (the <c>pi-app</c> command-line tool) as the rig runs it.</summary>
    AppCli App { get; }

    /// <summary>The cloud the gateway talks to.</summary>
    ICloudControl Cloud { get; }

    /// <summary>Presses the reset button, holds it for <paramref name="duration"/>, lets it go.</summary>
    Task PressResetAsync(TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Presses the reset button and keeps it down.</summary>
    Task HoldResetDownAsync(CancellationToken cancellationToken);

    /// <summary>Lets the reset button go.</summary>
    Task ReleaseResetAsync(CancellationToken cancellationToken);

    /// <summary>Records the LEDs for <paramref name="duration"/> and returns what was seen in that time.</summary>
    Task<LedTimeline> RecordLedsAsync(TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Waits until the LEDs show <paramref name="state"/>'s pattern (README of gateway/Pi.Gateway/Leds), or throws <see cref="TimeoutException"/>.</summary>
    Task<LedTimeline> WaitForLedPatternAsync(LedState state, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Stops the gateway cleanly and starts it again with the same state.</summary>
    Task RestartGatewayAsync(CancellationToken cancellationToken);

    /// <summary>Cuts the gateway's power (SIGKILL, or the rig's power switch) and gives it back.</summary>
    Task PowerCycleGatewayAsync(CancellationToken cancellationToken);

    /// <summary>The gateway's log so far (the simulated rig's captured output; the Pi rig's journal when it can fetch it).</summary>
    string GatewayLog { get; }
}

/// <summary>The cloud as the rig controls it.</summary>
public interface ICloudControl
{
    /// <summary>The cloud's API base URL as the APP reaches it.</summary>
    Uri Url { get; }

    /// <summary>SHA-256 fingerprint (hex) of the cloud's TLS certificate, for <c>--trust</c>.</summary>
    string Fingerprint { get; }

    /// <summary>Kills the cloud at once (SIGKILL by PID).</summary>
    Task KillAsync(CancellationToken cancellationToken);

    /// <summary>Starts the killed or stopped cloud again with the same data.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>An HTTP GET on the cloud's API (no authentication), such as <c>/metrics</c>.</summary>
    Task<string> GetAsync(string path, CancellationToken cancellationToken);
}
