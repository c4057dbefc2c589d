using Pi.Protocol.Messages;

namespace Pi.Gateway.Wifi.Parsing;

/// <summary>
/// What a scan says about a network's security, gathered from whichever tool printed it, then
/// mapped to <see cref="WifiSecurity"/> in one place so every parser agrees.
/// </summary>
public struct SecurityFlags
{
    /// <summary>The privacy bit or "Encryption key:on" (WEP when nothing else is advertised).</summary>
    public bool Privacy { get; set; }

    /// <summary>A WPA (version 1) element.</summary>
    public bool Wpa { get; set; }

    /// <summary>An RSN (WPA2/WPA3) element.</summary>
    public bool Rsn { get; set; }

    /// <summary>A pre-shared-key AKM (PSK, PSK-SHA256, FT/PSK).</summary>
    public bool Psk { get; set; }

    /// <summary>An SAE AKM (WPA3-Personal).</summary>
    public bool Sae { get; set; }

    /// <summary>An 802.1X/EAP AKM (enterprise).</summary>
    public bool Eap { get; set; }

    /// <summary>OWE (enhanced open) or another AKM this gateway does not join with a password.</summary>
    public bool OtherAkm { get; set; }

    /// <summary>The security the gateway reports for these flags.</summary>
    public readonly WifiSecurity ToSecurity()
    {
        if (Sae && Psk)
        {
            return WifiSecurity.Wpa2Wpa3;
        }
        if (Sae)
        {
            return WifiSecurity.Wpa3Sae;
        }
        if (Psk)
        {
            return Rsn ? WifiSecurity.Wpa2Psk : WifiSecurity.WpaPsk;
        }
        if (Eap)
        {
            return WifiSecurity.Enterprise;
        }
        if (OtherAkm)
        {
            return WifiSecurity.Other;
        }
        if (Rsn || Wpa)
        {
            // An RSN/WPA element whose AKM line was not printed: personal is the common case.
            return Rsn ? WifiSecurity.Wpa2Psk : WifiSecurity.WpaPsk;
        }
        return Privacy ? WifiSecurity.Wep : WifiSecurity.Open;
    }

    /// <summary>Reads an AKM list such as <c>PSK</c>, <c>IEEE 802.1X</c>, <c>PSK SAE</c>, <c>FT/SAE</c>.</summary>
    public void AddAuthenticationSuites(string suites)
    {
        ArgumentNullException.ThrowIfNull(suites);
        foreach (var raw in suites.Split([' ', '\t', ',', '+'], StringSplitOptions.RemoveEmptyEntries))
        {
            var suite = raw.ToUpperInvariant();
            if (suite.Contains("PSK", StringComparison.Ordinal))
            {
                Psk = true;
            }
            else if (suite.Contains("SAE", StringComparison.Ordinal))
            {
                Sae = true;
            }
            else if (suite.Contains("802.1X", StringComparison.Ordinal) || suite.Contains("EAP", StringComparison.Ordinal) ||
                     suite.Contains("SUITE-B", StringComparison.Ordinal) || suite == "CCKM")
            {
                Eap = true;
            }
            else if (suite.Contains("OWE", StringComparison.Ordinal))
            {
                OtherAkm = true;
            }
        }
    }
}
