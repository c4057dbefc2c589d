namespace Pi.Gateway.Wifi.Config;

/// <summary>
/// A Wi-Fi setting cannot go into a configuration file (an SSID that is not 1..32 bytes of text, a
/// passphrase outside WPA's rules, a DHCP range outside the subnet). The message names the setting
/// and the rule, never the value: a value may be a secret.
/// </summary>
public sealed class InvalidWifiSettingException : Exception
{
    public InvalidWifiSettingException()
    {
        Setting = string.Empty;
    }

    public InvalidWifiSettingException(string message)
        : base(message)
    {
        Setting = string.Empty;
    }

    public InvalidWifiSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
        Setting = string.Empty;
    }

    internal InvalidWifiSettingException(string setting, string rule, Exception? innerException)
        : base($"{setting} {rule}", innerException)
    {
        Setting = setting;
    }

    /// <summary>The setting that was refused (<c>ssid</c>, <c>password</c>, <c>dhcpRange</c>, …).</summary>
    public string Setting { get; }

    internal static InvalidWifiSettingException For(string setting, string rule) => new(setting, rule, null);
}
