namespace Pi.Protocol.Framing;

/// <summary>Default ports and limits of provisioning (docs/protocol.md, section 5).</summary>
public static class ProvisioningDefaults
{
    /// <summary>port1: the gateway listens here for searchDevice broadcasts (UDP).</summary>
    public const int SearchPort = 10071;

    /// <summary>port2: the APP listens here for deviceInfo broadcasts (UDP), the seed's example.</summary>
    public const int AnswerPort = 10072;

    /// <summary>port3: the gateway's provisioning TCP port.</summary>
    public const int SessionPort = 10073;

    /// <summary>Answered searches the gateway keeps while waiting for the APP's TCP connection.</summary>
    public const int MaxPendingSessions = 8;

    /// <summary>How long an answered search stays pending.</summary>
    public static readonly TimeSpan PendingSessionLifetime = TimeSpan.FromSeconds(60);

    /// <summary>A TCP peer silent this long is disconnected.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A frame that started arriving must complete within this time.</summary>
    public static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(10);
}
