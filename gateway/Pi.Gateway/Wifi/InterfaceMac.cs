using System.Net.NetworkInformation;

namespace Pi.Gateway.Wifi;

/// <summary>The interface's MAC: the configured override, else what the kernel reports.</summary>
internal static class InterfaceMac
{
    /// <exception cref="InvalidOperationException">The interface does not exist and no MAC is configured.</exception>
    public static PhysicalAddress Read(WifiOptions options, string interfaceName)
    {
        if (options.MacAddress is not null)
        {
            return WifiOptions.TryParseMac(options.MacAddress, out var configured)
                ? configured
                : throw new InvalidOperationException("Wifi:MacAddress must look like aa:bb:cc:dd:ee:ff");
        }
        var found = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == interfaceName);
        var mac = found?.GetPhysicalAddress();
        return mac is not null && mac.GetAddressBytes().Length == 6
            ? mac
            : throw new InvalidOperationException($"{interfaceName} has no MAC address (the interface does not exist); set Wifi:MacAddress to override");
    }
}
