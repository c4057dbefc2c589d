namespace Pi.Gateway.Leds;

/// <summary>What the status LEDs tell a person looking at the gateway (table: Leds/README.md).</summary>
public enum LedState
{
    /// <summary>Not provisioned: the softAP is up, waiting for the app.</summary>
    SoftApWaiting = 1,

    /// <summary>The app is connected and provisioning is in progress.</summary>
    Provisioning = 2,

    /// <summary>Joining Wi-Fi, registering or logging in to the cloud.</summary>
    Connecting = 3,

    /// <summary>Logged in; the session channel is up.</summary>
    Online = 4,

    /// <summary>On the LAN, but the cloud cannot be reached (reconnecting with backoff).</summary>
    CloudUnreachable = 5,

    /// <summary>Online, and the keys expire soon.</summary>
    KeyExpiring = 6,

    /// <summary>The keys have expired: the cloud refuses the login until the app renews them.</summary>
    KeyExpired = 7,

    /// <summary>A factory reset is under way (the reset button was held).</summary>
    Resetting = 8,

    /// <summary>A fault the gateway cannot recover from by itself.</summary>
    Error = 9,
}
