using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Pi.Protocol.Framing;

namespace Pi.Gateway.Provisioning;

/// <summary>
/// Where and how the provisioning server listens (docs/protocol.md sections 4-5). Defaults are the
/// protocol's; tests use port 0 (a free port, read back from the server) and small timeouts.
/// </summary>
/// <remarks>
/// On Linux a UDP socket bound to a unicast address (such as the softAP's 192.168.4.1) never
/// receives broadcasts, so the search listener must bind the wildcard address to hear the APP; use
/// <see cref="InterfaceName"/> to keep it to the softAP's interface. Answers go to
/// <see cref="BroadcastAddress"/>: prefer the softAP subnet's broadcast (192.168.4.255), because
/// 255.255.255.255 leaves by the interface of the default route, which may not be the softAP.
/// </remarks>
public sealed class ProvisioningServerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Provisioning";

    /// <summary>IPv4 address both listeners bind (port1 UDP, port3 TCP). Default: all interfaces.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Optional network interface (for example <c>wlan0</c>) both sockets are tied to with
    /// SO_BINDTODEVICE (Linux only; needs CAP_NET_RAW on kernels before 5.7). Null: any interface.
    /// </summary>
    public string? InterfaceName { get; set; }

    /// <summary>port1: searchDevice arrives here (UDP). 0 picks a free port.</summary>
    public int SearchPort { get; set; } = ProvisioningDefaults.SearchPort;

    /// <summary>port2: deviceInfo goes to this port of <see cref="BroadcastAddress"/> (UDP).</summary>
    public int AnswerPort { get; set; } = ProvisioningDefaults.AnswerPort;

    /// <summary>port3: the APP's TCP session. 0 picks a free port (deviceInfo announces the real one).</summary>
    public int SessionPort { get; set; } = ProvisioningDefaults.SessionPort;

    /// <summary>IPv4 destination of deviceInfo: a broadcast address (SO_BROADCAST is set) or, where broadcast is impossible, a unicast one.</summary>
    public string BroadcastAddress { get; set; } = "255.255.255.255";

    /// <summary>Answered searches kept while waiting for the APP's connection (the oldest is dropped first).</summary>
    public int MaxPendingSessions { get; set; } = ProvisioningDefaults.MaxPendingSessions;

    /// <summary>How long an answered search waits for the APP's connection.</summary>
    public TimeSpan PendingSessionLifetime { get; set; } = ProvisioningDefaults.PendingSessionLifetime;

    /// <summary>A TCP peer that sends nothing this long (while the server waits for it) is dropped.</summary>
    public TimeSpan IdleTimeout { get; set; } = ProvisioningDefaults.IdleTimeout;

    /// <summary>A frame (from its first byte) or a write that takes longer than this drops the peer.</summary>
    public TimeSpan FrameTimeout { get; set; } = ProvisioningDefaults.FrameTimeout;

    /// <summary>Largest stream frame accepted (without its 4-byte length).</summary>
    public int MaxFrameSize { get; set; } = ProvisioningFrame.DefaultMaxStreamFrameSize;

    /// <summary>
    /// TCP connections served at once: the one session, plus connections still sending their first
    /// frame or being told <c>busy</c>. Connections beyond it are closed at once.
    /// </summary>
    public int MaxConnections { get; set; } = 4;

    /// <summary>APP public keys whose search replay windows are remembered (least recently used dropped first).</summary>
    public int MaxRememberedSearchKeys { get; set; } = 64;

    /// <summary>How long a search replay window is remembered after its APP's last search.</summary>
    public TimeSpan SearchKeyLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Refusals logged per <see cref="RefusalLogWindow"/>; the rest are counted and summarised in one line.</summary>
    public int RefusalLogBurst { get; set; } = 20;

    /// <summary>The window of <see cref="RefusalLogBurst"/>.</summary>
    public TimeSpan RefusalLogWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Every rule these options break (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(BindAddress, out var bind) || bind.AddressFamily != AddressFamily.InterNetwork)
        {
            errors.Add($"{nameof(BindAddress)} must be an IPv4 address");
        }
        if (!IPAddress.TryParse(BroadcastAddress, out var broadcast) || broadcast.AddressFamily != AddressFamily.InterNetwork)
        {
            errors.Add($"{nameof(BroadcastAddress)} must be an IPv4 address");
        }
        if (InterfaceName is { } name && (name.Length is 0 or > 15 || name.Any(c => c is '/' or ' ' || char.IsControl(c))))
        {
            errors.Add($"{nameof(InterfaceName)} must be a network interface name (1 to 15 characters)");
        }
        Port(errors, nameof(SearchPort), SearchPort, allowZero: true);
        Port(errors, nameof(AnswerPort), AnswerPort, allowZero: false);
        Port(errors, nameof(SessionPort), SessionPort, allowZero: true);
        Range(errors, nameof(MaxPendingSessions), MaxPendingSessions, 1, 64);
        Range(errors, nameof(MaxFrameSize), MaxFrameSize, ProvisioningFrame.MinSize, ProvisioningFrame.MaxStreamFrameSize);
        Range(errors, nameof(MaxConnections), MaxConnections, 1, 64);
        Range(errors, nameof(MaxRememberedSearchKeys), MaxRememberedSearchKeys, 1, 4096);
        Range(errors, nameof(RefusalLogBurst), RefusalLogBurst, 1, 100_000);
        Positive(errors, nameof(PendingSessionLifetime), PendingSessionLifetime);
        Positive(errors, nameof(IdleTimeout), IdleTimeout);
        Positive(errors, nameof(FrameTimeout), FrameTimeout);
        Positive(errors, nameof(SearchKeyLifetime), SearchKeyLifetime);
        Positive(errors, nameof(RefusalLogWindow), RefusalLogWindow);
        return errors;
    }

    /// <summary>A copy, so a running server is not changed behind its back.</summary>
    internal ProvisioningServerOptions Clone() => (ProvisioningServerOptions)MemberwiseClone();

    private static void Port(List<string> errors, string name, int value, bool allowZero)
    {
        if (value < (allowZero ? 0 : 1) || value > 65535)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be a port ({(allowZero ? 0 : 1)}..65535)"));
        }
    }

    private static void Range(List<string> errors, string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{name} must be {min}..{max}"));
        }
    }

    private static void Positive(List<string> errors, string name, TimeSpan value)
    {
        // Upper bound: CancellationTokenSource timers take at most ~49 days.
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
        {
            errors.Add($"{name} must be positive and at most a day");
        }
    }
}

/// <summary>Checks <see cref="ProvisioningServerOptions"/> at start (<c>ValidateOnStart</c>).</summary>
public sealed class ProvisioningServerOptionsValidator : IValidateOptions<ProvisioningServerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ProvisioningServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
