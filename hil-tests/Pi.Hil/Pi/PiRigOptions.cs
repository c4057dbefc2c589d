using System.Text.Json;
using System.Text.Json.Serialization;
using Pi.Protocol.Labels;

namespace Pi.Hil.Pi;

/// <summary>
/// The Pi rig's configuration (a JSON file named by <c>PI_HIL_CONFIG</c>; docs/hardware.md): which
/// pins of the rig Pi are wired to the gateway Pi, where the gateway and the cloud are, and how to
/// restart or power-cycle the gateway.
/// </summary>
public sealed record PiRigOptions
{
    /// <summary>The rig Pi's GPIO driver: <c>Libgpiod</c> (libgpiod.so.2) or <c>LibgpiodV2</c> (libgpiod.so.3).</summary>
    public string Driver { get; init; } = "Libgpiod";

    /// <summary>The rig Pi's gpiochip (0 on a Pi 1-4 and a current Pi 5 kernel).</summary>
    public int Chip { get; init; }

    /// <summary>The rig Pi's BCM pin wired (through 1 kΩ) to the gateway's reset pin (its BCM 17).</summary>
    public int ResetPin { get; init; } = 17;

    /// <summary>The level that presses the button: 0 for the gateway's default (button to ground, pull-up).</summary>
    public int PressLevel { get; init; }

    /// <summary>The rig Pi's BCM pins wired (through 1 kΩ) to the gateway's LED pins: green, then red.</summary>
    public IReadOnlyList<int> LedPins { get; init; } = [27, 22];

    /// <summary>Whether an LED is lit when its pin is high (the gateway's <c>Gpio:LedActiveHigh</c>).</summary>
    public bool LedActiveHigh { get; init; } = true;

    /// <summary>Where the APP sends searchDevice (the softAP's broadcast, as seen from the rig's Wi-Fi).</summary>
    public string SearchEndPoint { get; init; } = "192.168.4.255:10071";

    /// <summary>Where the second search goes (the router LAN's broadcast).</summary>
    public string LanSearchEndPoint { get; init; } = "255.255.255.255:10071";

    /// <summary>The gateway's softAP address.</summary>
    public string SoftApAddress { get; init; } = "192.168.4.1";

    /// <summary>The gateway's address on the router's LAN.</summary>
    public string LanAddress { get; init; } = "192.168.1.50";

    /// <summary>The rig's Wi-Fi interface for the APP (SO_BINDTODEVICE), or null.</summary>
    public string? AppInterface { get; init; } = "wlan0";

    /// <summary>The APP's UDP port for deviceInfo.</summary>
    public int AnswerPort { get; init; } = 10072;

    /// <summary>A command (program and arguments) that restarts the gateway's service cleanly.</summary>
    public IReadOnlyList<string> RestartCommand { get; init; } = ["ssh", "pi@pi-gateway.local", "sudo", "systemctl", "restart", "pi-gateway"];

    /// <summary>A command that cuts the gateway's power and gives it back (a relay, a PoE switch port), or kills the service hard.</summary>
    public IReadOnlyList<string> PowerCycleCommand { get; init; } = ["ssh", "pi@pi-gateway.local", "sudo", "sh", "-c", "systemctl kill -s KILL pi-gateway; systemctl start pi-gateway"];

    /// <summary>A command printing the gateway's recent log (for a failed scenario), or empty.</summary>
    public IReadOnlyList<string> LogCommand { get; init; } = ["ssh", "pi@pi-gateway.local", "journalctl", "-u", "pi-gateway", "-n", "300", "--no-pager"];

    /// <summary>The gateway's label: the QR payload its <c>qr</c> command prints.</summary>
    public string QrPayload { get; init; } = "";

    /// <summary>The label's verification code, for a cloud in TrustOnFirstRegistration mode (else empty).</summary>
    public string VerificationCode { get; init; } = "";

    /// <summary>The router the gateway joins, and its password.</summary>
    public string RouterSsid { get; init; } = "";

    /// <inheritdoc cref="RouterSsid"/>
    public string RouterPassword { get; init; } = "";

    /// <summary>The cloud's API URL.</summary>
    public string CloudUrl { get; init; } = "https://cloud.example:8443/";

    /// <summary>The cloud certificate's SHA-256 (hex) when it is not publicly trusted.</summary>
    public string CloudFingerprint { get; init; } = "";

    /// <summary>Commands that kill and start the cloud (scenario e), or empty when the rig may not.</summary>
    public IReadOnlyList<string> CloudKillCommand { get; init; } = [];

    /// <inheritdoc cref="CloudKillCommand"/>
    public IReadOnlyList<string> CloudStartCommand { get; init; } = [];

    /// <summary>Reads and checks a configuration file.</summary>
    public static PiRigOptions Load(string path)
    {
        var options = JsonSerializer.Deserialize<PiRigOptions>(File.ReadAllText(path), JsonOptions)
            ?? throw new InvalidDataException($"{path}: empty");
        var problems = options.Validate();
        return problems.Count == 0 ? options : throw new InvalidDataException($"{path}: {string.Join("; ", problems)}");
    }

    /// <summary>Every problem with these options.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Driver is not ("Libgpiod" or "LibgpiodV2"))
        {
            problems.Add("driver must be Libgpiod or LibgpiodV2");
        }
        if (LedPins.Count is < 1 or > 2)
        {
            problems.Add("ledPins must name one or two pins");
        }
        if (PressLevel is not (0 or 1))
        {
            problems.Add("pressLevel must be 0 or 1");
        }
        var pins = LedPins.Append(ResetPin).ToList();
        if (pins.Any(p => p is < 0 or > 27))
        {
            problems.Add("pins are BCM numbers 0-27");
        }
        if (pins.Distinct().Count() != pins.Count)
        {
            problems.Add("resetPin and ledPins must differ");
        }
        if (!System.Net.IPEndPoint.TryParse(SearchEndPoint, out _) || !System.Net.IPEndPoint.TryParse(LanSearchEndPoint, out _))
        {
            problems.Add("searchEndPoint and lanSearchEndPoint are address:port");
        }
        if (!Uri.TryCreate(CloudUrl, UriKind.Absolute, out _))
        {
            problems.Add("cloudUrl must be an absolute URL");
        }
        if (RestartCommand.Count == 0 || PowerCycleCommand.Count == 0)
        {
            problems.Add("restartCommand and powerCycleCommand must be given");
        }
        return problems;
    }

    /// <summary>camelCase, comments and trailing commas allowed, unknown members refused.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };
}
