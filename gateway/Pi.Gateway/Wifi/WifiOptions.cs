using System.Globalization;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Configuration;
using Pi.Gateway.Wifi.Simulated;

namespace Pi.Gateway.Wifi;

/// <summary>Which <see cref="IWifiRadio"/> drives the Wi-Fi.</summary>
public enum WifiDriver
{
    /// <summary>No radio: networks from a file or the options (development, CI, the HIL rig).</summary>
    Simulated,
    /// <summary>hostapd + dnsmasq for the softAP, wpa_supplicant for the station (Raspberry Pi OS classic, or Bookworm with wlan0 handed over).</summary>
    Hostapd,
    /// <summary>nmcli for both (Raspberry Pi OS Bookworm's default: NetworkManager owns wlan0).</summary>
    NetworkManager,
}

/// <summary>How the hostapd radio gets the station's address once wpa_supplicant has associated.</summary>
public enum DhcpClientKind
{
    /// <summary><c>dhclient -4 -1</c> (isc-dhcp-client), started by the radio.</summary>
    Dhclient,
    /// <summary><c>dhcpcd -4 -w</c>, started by the radio for the interface.</summary>
    Dhcpcd,
    /// <summary>Something else (a dhcpcd or systemd-networkd already running) configures the address; the radio only waits for it.</summary>
    External,
}

/// <summary>The <c>Wifi</c> configuration section.</summary>
public sealed class WifiOptions
{
    /// <summary>The configuration section's name.</summary>
    public const string SectionName = "Wifi";

    /// <summary>Which radio: Simulated (default), Hostapd or NetworkManager.</summary>
    public WifiDriver Driver { get; set; } = WifiDriver.Simulated;

    /// <summary>The Wi-Fi interface.</summary>
    public string Interface { get; set; } = "wlan0";

    /// <summary>Regulatory country (ISO 3166-1 alpha-2) for the station's wpa_supplicant.conf.</summary>
    public string CountryCode { get; set; } = "US";

    /// <summary>The softAP's WPA2 passphrase; null or empty for an open softAP (the provisioning channel is encrypted anyway).</summary>
    public string? AccessPointPassphrase { get; set; }

    /// <summary>Generated files that do not outlive a boot: hostapd.conf, dnsmasq.conf, pid files, control sockets, leases.</summary>
    public string RuntimeDirectory { get; set; } = "/run/pi-gateway/wifi";

    /// <summary>The station's wpa_supplicant.conf (kept: it is how the gateway rejoins after a restart). Default <c>/etc/wpa_supplicant/wpa_supplicant-&lt;Interface&gt;.conf</c>.</summary>
    public string? StationConfigPath { get; set; }

    /// <summary>Hostapd radio: write the NetworkManager drop-in that leaves the interface alone, and tell NetworkManager at once (if it runs).</summary>
    public bool HandOverFromNetworkManager { get; set; } = true;

    /// <summary>Where that drop-in goes.</summary>
    public string NetworkManagerConfPath { get; set; } = Config.NetworkManagerHandOver.DefaultPath;

    /// <summary>Hostapd radio: the DHCP client for the station.</summary>
    public DhcpClientKind DhcpClient { get; set; } = DhcpClientKind.Dhclient;

    /// <summary>Overrides the interface's MAC address (tests, or a board whose Wi-Fi MAC is randomized); <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    public string? MacAddress { get; set; }

    /// <summary>Simulated radio: a JSON file with the networks (see docs/wifi.md); null to use <see cref="Simulated"/>.</summary>
    public string? SimulatedNetworksFile { get; set; }

    /// <summary>Simulated radio: the networks when no file is given.</summary>
    public SimulatedWifiOptions Simulated { get; set; } = new();

    /// <summary>How often a join polls the station's state.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the softAP may take to come up (hostapd waits up to 5 s for a regulatory update).</summary>
    public TimeSpan AccessPointStartTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The bound of one tool run (a scan takes a few seconds).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The station config path with its default filled in.</summary>
    public string ResolvedStationConfigPath => StationConfigPath ?? $"/etc/wpa_supplicant/wpa_supplicant-{Interface}.conf";

    /// <summary>Reads the section without reflection (the gateway is trimmed and AOT-compiled).</summary>
    /// <exception cref="InvalidOperationException">A value is malformed.</exception>
    public void BindFrom(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        Driver = EnumValue(section, nameof(Driver), Driver);
        Interface = section[nameof(Interface)] ?? Interface;
        CountryCode = section[nameof(CountryCode)] ?? CountryCode;
        AccessPointPassphrase = section[nameof(AccessPointPassphrase)] ?? AccessPointPassphrase;
        RuntimeDirectory = section[nameof(RuntimeDirectory)] ?? RuntimeDirectory;
        StationConfigPath = section[nameof(StationConfigPath)] ?? StationConfigPath;
        HandOverFromNetworkManager = BoolValue(section, nameof(HandOverFromNetworkManager), HandOverFromNetworkManager);
        NetworkManagerConfPath = section[nameof(NetworkManagerConfPath)] ?? NetworkManagerConfPath;
        DhcpClient = EnumValue(section, nameof(DhcpClient), DhcpClient);
        MacAddress = section[nameof(MacAddress)] ?? MacAddress;
        SimulatedNetworksFile = section[nameof(SimulatedNetworksFile)] ?? SimulatedNetworksFile;
        PollInterval = TimeValue(section, nameof(PollInterval), PollInterval);
        AccessPointStartTimeout = TimeValue(section, nameof(AccessPointStartTimeout), AccessPointStartTimeout);
        CommandTimeout = TimeValue(section, nameof(CommandTimeout), CommandTimeout);
        var simulated = section.GetSection(nameof(Simulated));
        if (simulated.Exists())
        {
            Simulated = SimulatedWifiOptions.FromConfiguration(simulated);
        }
    }

    /// <summary>The problems with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Driver))
        {
            problems.Add("Wifi:Driver must be Simulated, Hostapd or NetworkManager");
        }
        Check(() => Config.SettingRules.InterfaceName(Interface));
        Check(() => Config.SettingRules.CountryCode(CountryCode));
        Check(() => Config.SettingRules.Path(RuntimeDirectory, "Wifi:RuntimeDirectory"));
        Check(() => Config.SettingRules.Path(ResolvedStationConfigPath, "Wifi:StationConfigPath"));
        Check(() => Config.SettingRules.Path(NetworkManagerConfPath, "Wifi:NetworkManagerConfPath"));
        if (!string.IsNullOrEmpty(AccessPointPassphrase) && !Config.WifiPassphrase.IsValid(AccessPointPassphrase))
        {
            problems.Add("Wifi:AccessPointPassphrase must be 8 to 63 printable ASCII characters or 64 hexadecimal digits");
        }
        if (MacAddress is not null && !TryParseMac(MacAddress, out _))
        {
            problems.Add("Wifi:MacAddress must look like aa:bb:cc:dd:ee:ff");
        }
        if (PollInterval < TimeSpan.Zero || AccessPointStartTimeout <= TimeSpan.Zero || CommandTimeout <= TimeSpan.Zero)
        {
            problems.Add("Wifi:PollInterval must not be negative, and the timeouts must be positive");
        }
        if (Driver == WifiDriver.Simulated && SimulatedNetworksFile is null)
        {
            problems.AddRange(Simulated.Validate());
        }
        return problems;

        void Check(Action check)
        {
            try
            {
                check();
            }
            catch (Config.InvalidWifiSettingException e)
            {
                problems.Add(e.Message.StartsWith("Wifi:", StringComparison.Ordinal) ? e.Message : "Wifi:" + e.Message);
            }
        }
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with '-').</summary>
    public static bool TryParseMac(string? text, out PhysicalAddress address)
    {
        address = PhysicalAddress.None;
        if (text is not { Length: 17 })
        {
            return false;
        }
        try
        {
            address = PhysicalAddress.Parse(text.Replace(':', '-'));
            return address.GetAddressBytes().Length == 6;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static T EnumValue<T>(IConfiguration section, string key, T fallback)
        where T : struct, Enum
    {
        var text = section[key];
        if (text is null)
        {
            return fallback;
        }
        return Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(text[0])
            ? value
            : throw new InvalidOperationException($"Wifi:{key} must be one of {string.Join(", ", Enum.GetNames<T>())}");
    }

    private static bool BoolValue(IConfiguration section, string key, bool fallback)
    {
        var text = section[key];
        return text is null ? fallback
            : bool.TryParse(text, out var value) ? value
            : throw new InvalidOperationException($"Wifi:{key} must be true or false");
    }

    private static TimeSpan TimeValue(IConfiguration section, string key, TimeSpan fallback)
    {
        var text = section[key];
        return text is null ? fallback
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value
            : throw new InvalidOperationException($"Wifi:{key} must be a time span such as 00:00:30");
    }
}
