namespace Pi.Hil.Simulated;

/// <summary>A network in the simulated radio's world (docs/wifi.md, the simulated driver).</summary>
/// <param name="Ssid">SSID.</param>
/// <param name="Password">Password, or null for an open network.</param>
/// <param name="Signal">dBm.</param>
/// <param name="JoinDelay">How long a join takes (a delay at or beyond the gateway's join timeout stalls the join).</param>
public sealed record WifiNetwork(string Ssid, string? Password, int Signal = -50, TimeSpan? JoinDelay = null);

/// <summary>How the simulated rig is set up.</summary>
public sealed record SimulatedRigOptions
{
    /// <summary>The router the scenarios join.</summary>
    public static readonly WifiNetwork Home = new("HilHome", "hil router password", -42);

    /// <summary>The built programs.</summary>
    public required BuiltOutputs Outputs { get; init; }

    /// <summary>Network namespaces: null = when possible (root and <c>ip netns</c>), true = required, false = loopback.</summary>
    public bool? UseNetns { get; init; }

    /// <summary>The simulated radio's world.</summary>
    public IReadOnlyList<WifiNetwork> Networks { get; init; } = [Home, new("Neighbour", "neighbour password", -71)];

    /// <summary>How long a join takes unless the network says otherwise.</summary>
    public TimeSpan JoinDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long a press of the reset button is a long press (the gateway's Gpio:LongPressMs).</summary>
    public TimeSpan LongPress { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Extra gateway settings (<c>Section:Key</c> = value), such as <c>Gateway:FailSafeTimeout</c>.</summary>
    public IReadOnlyDictionary<string, string> GatewaySettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra cloud settings (<c>Cloud:...</c> = value).</summary>
    public IReadOnlyDictionary<string, string> CloudSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>The cloud's session channel on an external Mosquitto the rig runs (docs/broker.md), so the rig can watch and replay gateway packets.</summary>
    public bool ExternalBroker { get; init; }

    /// <summary>Receives every log line as it is written (the test's output).</summary>
    public Action<string>? LiveLog { get; init; }
}
