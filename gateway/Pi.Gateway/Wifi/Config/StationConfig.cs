using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Config;

/// <summary>
/// The station's wpa_supplicant.conf with one network block. Nothing typed by a user is written
/// as text: the SSID is hex, WPA/WPA2 gets the derived PSK (64 hex digits, as wpa_passphrase
/// prints it) and WPA3's SAE password is hex too, so no quoting or escaping can go wrong.
/// </summary>
public static class StationConfig
{
    /// <summary>Renders wpa_supplicant.conf for joining <paramref name="ssid"/>.</summary>
    /// <param name="ssid">The router's SSID.</param>
    /// <param name="password">The passphrase (8..63 printable ASCII) or a 64-hex PSK; ignored for an open network.</param>
    /// <param name="security">What the scan saw.</param>
    /// <param name="countryCode">The regulatory country.</param>
    /// <param name="controlDirectory">wpa_supplicant's ctrl_interface directory (wpa_cli -p).</param>
    /// <exception cref="InvalidWifiSettingException">The SSID or password breaks WPA's rules, or the security is not joinable with a password.</exception>
    public static string RenderWpaSupplicant(string ssid, string? password, WifiSecurity security, string countryCode, string controlDirectory)
    {
        var ssidBytes = SettingRules.Ssid(ssid);
        string keyManagement;
        var secrets = new List<string>();
        switch (security)
        {
            case WifiSecurity.Open:
                keyManagement = "NONE";
                break;
            case WifiSecurity.WpaPsk or WifiSecurity.Wpa2Psk:
                keyManagement = "WPA-PSK";
                secrets.Add("psk=" + WifiPassphrase.Parse(password).DerivePskHex(ssidBytes));
                break;
            case WifiSecurity.Wpa3Sae:
                keyManagement = "SAE";
                secrets.Add("ieee80211w=2");
                secrets.Add("sae_password=" + Convert.ToHexStringLower(WifiPassphrase.Parse(password).PassphraseBytes()));
                break;
            case WifiSecurity.Wpa2Wpa3:
                {
                    var passphrase = WifiPassphrase.Parse(password);
                    keyManagement = "WPA-PSK SAE";
                    secrets.Add("ieee80211w=1");
                    secrets.Add("psk=" + passphrase.DerivePskHex(ssidBytes));
                    if (!passphrase.IsHexPsk)
                    {
                        secrets.Add("sae_password=" + Convert.ToHexStringLower(passphrase.PassphraseBytes()));
                    }
                    break;
                }
            default:
                throw InvalidWifiSettingException.For("security", "is not joinable with a password (WEP, enterprise and other networks are not supported)");
        }
        return ConfigTemplate.Fill(ConfigTemplate.WpaSupplicant, new Dictionary<string, string>
        {
            ["ctrl_interface"] = SettingRules.Path(controlDirectory, "controlDirectory"),
            ["country_code"] = SettingRules.CountryCode(countryCode),
            ["ssid_hex"] = Convert.ToHexStringLower(ssidBytes),
            ["key_mgmt"] = keyManagement,
            ["secrets"] = string.Concat(secrets.Select(s => "\t" + s + "\n")),
        });
    }
}
