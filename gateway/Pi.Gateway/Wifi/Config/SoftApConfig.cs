namespace Pi.Gateway.Wifi.Config;

/// <summary>
/// The softAP's configuration files: hostapd.conf (open, or WPA2-PSK with the PSK derived from the
/// passphrase so the passphrase itself is not stored) and dnsmasq.conf (DHCP on the AP interface).
/// </summary>
public static class SoftApConfig
{
    /// <summary>The DNS domain dnsmasq answers for on the softAP (<c>gateway.pi-gateway</c> is the gateway).</summary>
    public const string Domain = "pi-gateway";

    /// <summary>Renders hostapd.conf.</summary>
    /// <param name="settings">SSID, channel and country.</param>
    /// <param name="interfaceName">The AP interface (wlan0).</param>
    /// <param name="controlDirectory">hostapd's ctrl_interface directory (hostapd_cli -p).</param>
    /// <param name="passphrase">WPA2 passphrase or PSK; null for an open AP.</param>
    /// <param name="driver">nl80211 on a Pi; tests use none.</param>
    /// <exception cref="InvalidWifiSettingException">A setting cannot be written.</exception>
    public static string RenderHostapd(
        AccessPointSettings settings, string interfaceName, string controlDirectory, WifiPassphrase? passphrase, string driver = "nl80211")
    {
        ArgumentNullException.ThrowIfNull(settings);
        var ssid = SettingRules.Ssid(settings.Ssid);
        if (driver is not ("nl80211" or "none"))
        {
            throw InvalidWifiSettingException.For("driver", "must be nl80211 or none");
        }
        var security = passphrase is null
            ? ConfigTemplate.HostapdOpen
            : ConfigTemplate.Fill(ConfigTemplate.HostapdWpa2, new Dictionary<string, string> { ["psk"] = passphrase.DerivePskHex(ssid) }).TrimEnd('\n');
        return ConfigTemplate.Fill(ConfigTemplate.Hostapd, new Dictionary<string, string>
        {
            ["interface"] = SettingRules.InterfaceName(interfaceName),
            ["driver"] = driver,
            ["ctrl_interface"] = SettingRules.Path(controlDirectory, "controlDirectory"),
            ["ssid"] = SsidLine(settings.Ssid, ssid),
            ["country_code"] = SettingRules.CountryCode(settings.CountryCode),
            ["hw_mode"] = SettingRules.HardwareMode(settings.Channel),
            ["channel"] = settings.Channel.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["security"] = security,
        });
    }

    /// <summary>Renders dnsmasq.conf for DHCP (and the gateway's own name) on the softAP.</summary>
    /// <exception cref="InvalidWifiSettingException">A setting cannot be written.</exception>
    public static string RenderDnsmasq(AccessPointSettings settings, string interfaceName, string leaseFile, string pidFile, string leaseTime = "1h")
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (address, netmask, start, end) = SettingRules.Subnet(settings);
        if (string.IsNullOrEmpty(leaseTime) || !(leaseTime == "infinite" || (leaseTime[..^1].All(char.IsAsciiDigit) && leaseTime[^1] is 'm' or 'h' or 'd')))
        {
            throw InvalidWifiSettingException.For("leaseTime", "must be like 30m, 1h, 1d or infinite");
        }
        return ConfigTemplate.Fill(ConfigTemplate.Dnsmasq, new Dictionary<string, string>
        {
            ["interface"] = SettingRules.InterfaceName(interfaceName),
            ["address"] = address,
            ["domain"] = Domain,
            ["range_start"] = start,
            ["range_end"] = end,
            ["netmask"] = netmask,
            ["lease_time"] = leaseTime,
            ["lease_file"] = SettingRules.Path(leaseFile, "leaseFile"),
            ["pid_file"] = SettingRules.Path(pidFile, "pidFile"),
        });
    }

    // hostapd reads "ssid=" raw to the end of the line; anything but plain characters goes as hex.
    private static string SsidLine(string text, byte[] bytes) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
            ? "ssid=" + text
            : "ssid2=" + Convert.ToHexStringLower(bytes);
}
