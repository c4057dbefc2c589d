using System.Text;

namespace Pi.Gateway.Wifi.Config;

/// <summary>
/// The configuration files the gateway writes, as templates with <c>{{name}}</c> placeholders. They
/// live in code (not beside the binary) so a Native AOT build carries them and nothing can drift.
/// Every value is checked and escaped before it is filled in; a placeholder left unfilled is a bug.
/// </summary>
internal static class ConfigTemplate
{
    public const string Hostapd = """
        # Pi Gateway softAP (hostapd). Generated; the gateway rewrites it each time the AP starts.
        interface={{interface}}
        driver={{driver}}
        ctrl_interface={{ctrl_interface}}
        ctrl_interface_group=0
        {{ssid}}
        utf8_ssid=1
        country_code={{country_code}}
        ieee80211d=1
        hw_mode={{hw_mode}}
        channel={{channel}}
        ieee80211n=1
        wmm_enabled=1
        auth_algs=1
        ignore_broadcast_ssid=0
        macaddr_acl=0
        {{security}}
        """;

    public const string HostapdWpa2 = """
        wpa=2
        wpa_key_mgmt=WPA-PSK
        rsn_pairwise=CCMP
        wpa_psk={{psk}}
        """;

    public const string HostapdOpen = """
        wpa=0
        """;

    public const string Dnsmasq = """
        # Pi Gateway softAP DHCP (dnsmasq). Generated; the gateway rewrites it each time the AP starts.
        # DHCP for the phones that join the softAP. DNS answers only for the gateway itself: there is
        # no upstream to forward to while the gateway is an access point.
        interface={{interface}}
        bind-interfaces
        except-interface=lo
        listen-address={{address}}
        no-resolv
        no-poll
        no-hosts
        domain-needed
        bogus-priv
        local=/{{domain}}/
        domain={{domain}}
        address=/gateway.{{domain}}/{{address}}
        dhcp-range={{range_start}},{{range_end}},{{netmask}},{{lease_time}}
        dhcp-option=option:router,{{address}}
        dhcp-option=option:dns-server,{{address}}
        dhcp-authoritative
        dhcp-leasefile={{lease_file}}
        pid-file={{pid_file}}
        """;

    public const string WpaSupplicant = """
        # Pi Gateway station (wpa_supplicant). Generated when the gateway joins a router.
        ctrl_interface={{ctrl_interface}}
        update_config=0
        country={{country_code}}
        ap_scan=1

        network={
        	ssid={{ssid_hex}}
        	scan_ssid=1
        	key_mgmt={{key_mgmt}}
        {{secrets}}}
        """;

    public const string NetworkManagerUnmanaged = """
        # Pi Gateway: hostapd and wpa_supplicant drive {{interface}}, so NetworkManager leaves it alone.
        # Written by the gateway's Wi-Fi hand-over; delete this file to give the interface back.
        [keyfile]
        unmanaged-devices=interface-name:{{interface}}
        """;

    /// <summary>Fills every <c>{{name}}</c>; throws when a placeholder has no value or a value is unused.</summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        var result = new StringBuilder(template.Length + 256);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var at = 0;
        while (true)
        {
            var open = template.IndexOf("{{", at, StringComparison.Ordinal);
            if (open < 0)
            {
                result.Append(template, at, template.Length - at);
                break;
            }
            var close = template.IndexOf("}}", open, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new InvalidOperationException("unterminated placeholder in a configuration template");
            }
            result.Append(template, at, open - at);
            var name = template[(open + 2)..close];
            if (!values.TryGetValue(name, out var value))
            {
                throw new InvalidOperationException($"no value for the placeholder {name}");
            }
            result.Append(value);
            used.Add(name);
            at = close + 2;
        }
        if (values.Keys.FirstOrDefault(k => !used.Contains(k)) is { } unused)
        {
            throw new InvalidOperationException($"the value {unused} has no placeholder");
        }
        result.Append('\n');
        return result.ToString();
    }
}
