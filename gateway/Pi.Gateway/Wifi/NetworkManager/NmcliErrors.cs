using Pi.Gateway.Wifi.Commands;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.NetworkManager;

/// <summary>What a failed <c>nmcli device wifi connect</c> (run with <c>LC_ALL=C</c>) means for a join.</summary>
public static class NmcliErrors
{
    /// <summary>Maps nmcli's exit and message to a join failure.</summary>
    public static WifiFailure ToJoinFailure(CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.TimedOut)
        {
            return WifiFailure.Timeout;
        }
        var text = result.StandardError + "\n" + result.StandardOutput;
        if (Has(text, "Secrets were required") || Has(text, "psk: property is invalid") || Has(text, "802-11-wireless-security.psk") ||
            Has(text, "4-way handshake") || Has(text, "no secrets") || Has(text, "encryption keys are required"))
        {
            return WifiFailure.WrongPassword;
        }
        if (Has(text, "No network with SSID") || Has(text, "network could not be found"))
        {
            return WifiFailure.NetworkNotFound;
        }
        if (Has(text, "IP configuration could not be reserved") || Has(text, "DHCP") || Has(text, "IP configuration"))
        {
            return WifiFailure.NoIpAddress;
        }
        if (Has(text, "Timeout expired") || Has(text, "timed out") || result.ExitCode == 3)
        {
            // nmcli exits with 3 when --wait runs out.
            return WifiFailure.Timeout;
        }
        return WifiFailure.RadioError;
    }

    private static bool Has(string text, string what) => text.Contains(what, StringComparison.OrdinalIgnoreCase);
}
