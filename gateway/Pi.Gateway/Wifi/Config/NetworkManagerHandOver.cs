namespace Pi.Gateway.Wifi.Config;

/// <summary>
/// On Raspberry Pi OS Bookworm NetworkManager owns wlan0. The hostapd implementation needs it back:
/// this writes the NetworkManager drop-in that marks the interface unmanaged (it survives reboots;
/// <c>nmcli device set wlan0 managed no</c> is the runtime half, run by the radio).
/// </summary>
public static class NetworkManagerHandOver
{
    /// <summary>Where the drop-in goes by default.</summary>
    public const string DefaultPath = "/etc/NetworkManager/conf.d/99-pi-gateway-unmanaged.conf";

    /// <summary>The drop-in's text: <c>[keyfile] unmanaged-devices=interface-name:&lt;if&gt;</c>.</summary>
    /// <exception cref="InvalidWifiSettingException">The interface name is not one.</exception>
    public static string Render(string interfaceName) =>
        ConfigTemplate.Fill(ConfigTemplate.NetworkManagerUnmanaged, new Dictionary<string, string>
        {
            ["interface"] = SettingRules.InterfaceName(interfaceName),
        });

    /// <summary>Writes the drop-in atomically (mode 0644: it holds no secret).</summary>
    /// <exception cref="InvalidWifiSettingException">The interface name or path is not one.</exception>
    public static Task WriteAsync(string path, string interfaceName, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(SettingRules.Path(path, "networkManagerConf"), Render(interfaceName), AtomicFile.PublicMode, cancellationToken);
}
