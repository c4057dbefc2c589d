using System.Net;

namespace Pi.Gateway.Bridge;

/// <summary>
/// The sub-device LAN bridge (configuration section <c>Bridge</c>): the local MQTT broker the
/// sub-devices connect to, the pairing window, commands to sub-devices, the relay to the cloud and
/// the per-device limits. docs/protocol.md section 10 is the contract.
/// </summary>
public sealed class BridgeOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Bridge";

    /// <summary>Whether the bridge runs at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Address the local broker listens on (the LAN side; any address by default).</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>Plain MQTT port; 0 lets the system pick one (tests); -1 turns the plain port off.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>MQTT over TLS port, used when <see cref="TlsCertificatePath"/> is set; 0 lets the system pick one.</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>PKCS#12 file with the broker's certificate and key; empty = no TLS port.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>Password of <see cref="TlsCertificatePath"/>, if any.</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>Largest MQTT packet a sub-device may send; a larger one closes its connection.</summary>
    public int MaxPacketSize { get; set; } = 64 * 1024 + 1024;

    /// <summary>Most sub-device connections at once.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>How long a short press or <c>pairing.open</c> without arguments keeps the pairing window open.</summary>
    public TimeSpan PairingWindow { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a command waits for the sub-device's answer (less than the cloud's own wait).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sustained up-packets per second one sub-device may send; more are refused (quota exceeded).</summary>
    public double RatePerSecond { get; set; } = 50;

    /// <summary>Burst of up-packets one sub-device may send above <see cref="RatePerSecond"/>.</summary>
    public int RateBurst { get; set; } = 200;

    /// <summary>Most items in one relay to the cloud.</summary>
    public int RelayMaxItems { get; set; } = 256;

    /// <summary>Most bytes of queued items in one relay (the sealed envelope stays under 64 KiB).</summary>
    public int RelayMaxBytes { get; set; } = 48 * 1024;

    /// <summary>Relays sent and not yet acknowledged at once.</summary>
    public int RelayWindow { get; set; } = 4;

    /// <summary>How long the cloud has to acknowledge a relay before the bridge sends it again.</summary>
    public TimeSpan RelayAckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most often the retained bridge state is republished while only the queue length changes.</summary>
    public TimeSpan StateInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What is wrong with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            problems.Add($"{Section}:{nameof(ListenAddress)} must be an IP address");
        }
        if (Port is < -1 or > 65535)
        {
            problems.Add($"{Section}:{nameof(Port)} must be -1 (off), 0 (any) or a port");
        }
        if (TlsPort is < 0 or > 65535)
        {
            problems.Add($"{Section}:{nameof(TlsPort)} must be 0 (any) or a port");
        }
        if (Port == -1 && string.IsNullOrEmpty(TlsCertificatePath))
        {
            problems.Add($"{Section}: with the plain port off, {nameof(TlsCertificatePath)} is required");
        }
        if (MaxPacketSize is < 1024 or > 16 * 1024 * 1024)
        {
            problems.Add($"{Section}:{nameof(MaxPacketSize)} must be 1 KiB to 16 MiB");
        }
        if (MaxConnections is < 1 or > 100_000)
        {
            problems.Add($"{Section}:{nameof(MaxConnections)} must be 1 to 100000");
        }
        Between(problems, nameof(PairingWindow), PairingWindow, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Between(problems, nameof(CommandTimeout), CommandTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Between(problems, nameof(RelayAckTimeout), RelayAckTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Between(problems, nameof(StateInterval), StateInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10));
        if (!(RatePerSecond is > 0 and <= 1_000_000) || RateBurst is < 1 or > 10_000_000)
        {
            problems.Add($"{Section}:{nameof(RatePerSecond)} must be above 0 and {nameof(RateBurst)} at least 1");
        }
        if (RelayMaxItems is < 1 or > Pi.Protocol.Messages.Relay.MaxItems)
        {
            problems.Add($"{Section}:{nameof(RelayMaxItems)} must be 1 to {Pi.Protocol.Messages.Relay.MaxItems}");
        }
        if (RelayMaxBytes is < 1024 or > 60 * 1024)
        {
            problems.Add($"{Section}:{nameof(RelayMaxBytes)} must be 1 KiB to 60 KiB (the envelope limit is 64 KiB)");
        }
        if (RelayWindow is < 1 or > 64)
        {
            problems.Add($"{Section}:{nameof(RelayWindow)} must be 1 to 64");
        }
        return problems;
    }

    private static void Between(List<string> problems, string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{Section}:{name} must be between {min} and {max}");
        }
    }
}
