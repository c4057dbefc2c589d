namespace Pi.Protocol.Topics;

/// <summary>What a topic is for.</summary>
public enum TopicKind
{
    /// <summary>Cloud broker: sealed envelopes from a gateway (<c>pi/v2/gw/{tid}/up</c>).</summary>
    GatewayUp,
    /// <summary>Cloud broker: sealed envelopes to a gateway (<c>pi/v2/gw/{tid}/down</c>).</summary>
    GatewayDown,
    /// <summary>Cloud broker: retained <c>online</c>/<c>offline</c> of a gateway, also its last will.</summary>
    GatewayAvailability,
    /// <summary>Local broker: sealed envelopes from a sub-device (<c>pi/v2/dev/{did}/up</c>).</summary>
    DeviceUp,
    /// <summary>Local broker: sealed envelopes to a sub-device (<c>pi/v2/dev/{did}/down</c>).</summary>
    DeviceDown,
    /// <summary>Local broker: a sub-device's link hello (<c>pi/v2/dev/{did}/hello</c>).</summary>
    DeviceHello,
    /// <summary>Local broker: the gateway's link welcome to a sub-device (<c>pi/v2/dev/{did}/welcome</c>).</summary>
    DeviceWelcome,
    /// <summary>Local broker: retained <c>online</c>/<c>offline</c> of a sub-device, also its last will.</summary>
    DeviceAvailability,
    /// <summary>Local broker: the bridge's retained state (<c>pi/v2/bridge/state</c>).</summary>
    BridgeState,
    /// <summary>Local broker: the pairing window, retained (<c>pi/v2/bridge/pairing</c>).</summary>
    BridgePairing,
}

/// <summary>A parsed topic: its kind and, for per-device topics, the tid or did.</summary>
public readonly record struct TopicAddress(TopicKind Kind, string? Id);

/// <summary>
/// Every MQTT topic of the protocol, for the cloud's broker and the gateway's local broker, in one
/// place. Ids are validated with <see cref="Identifiers"/>, so a topic built here never contains a
/// wildcard or an extra level.
/// </summary>
public static class Topics
{
    /// <summary>Root of every topic.</summary>
    public const string Root = "pi/v2";

    /// <summary>Payload of an availability topic while connected.</summary>
    public const string Online = "online";

    /// <summary>Payload of an availability topic after a clean or unclean disconnect.</summary>
    public const string Offline = "offline";

    /// <summary>Shared-subscription group the cloud's workers use for up traffic on an external broker.</summary>
    public const string CloudShareGroup = "pi-cloud";

    /// <summary><c>pi/v2/gw/{tid}/up</c></summary>
    public static string GatewayUp(string tid) => Gateway(tid, "up");

    /// <summary><c>pi/v2/gw/{tid}/down</c></summary>
    public static string GatewayDown(string tid) => Gateway(tid, "down");

    /// <summary><c>pi/v2/gw/{tid}/availability</c></summary>
    public static string GatewayAvailability(string tid) => Gateway(tid, "availability");

    /// <summary>Filter for every gateway's up topic: <c>pi/v2/gw/+/up</c>.</summary>
    public const string AllGatewaysUp = Root + "/gw/+/up";

    /// <summary>Filter for every gateway's availability topic.</summary>
    public const string AllGatewaysAvailability = Root + "/gw/+/availability";

    /// <summary>The shared subscription the cloud workers use on an external broker (MQTT 5).</summary>
    public const string SharedGatewaysUp = "$share/" + CloudShareGroup + "/" + AllGatewaysUp;

    /// <summary><c>pi/v2/dev/{did}/up</c></summary>
    public static string DeviceUp(string did) => Device(did, "up");

    /// <summary><c>pi/v2/dev/{did}/down</c></summary>
    public static string DeviceDown(string did) => Device(did, "down");

    /// <summary><c>pi/v2/dev/{did}/hello</c></summary>
    public static string DeviceHello(string did) => Device(did, "hello");

    /// <summary><c>pi/v2/dev/{did}/welcome</c></summary>
    public static string DeviceWelcome(string did) => Device(did, "welcome");

    /// <summary><c>pi/v2/dev/{did}/availability</c></summary>
    public static string DeviceAvailability(string did) => Device(did, "availability");

    /// <summary><c>pi/v2/bridge/state</c></summary>
    public const string BridgeState = Root + "/bridge/state";

    /// <summary><c>pi/v2/bridge/pairing</c></summary>
    public const string BridgePairing = Root + "/bridge/pairing";

    /// <summary>
    /// Parses a concrete topic (no wildcards). Returns null for anything that is not exactly one of
    /// the protocol's topics, so brokers can use it as their ACL.
    /// </summary>
    public static TopicAddress? Parse(string? topic)
    {
        if (topic is null || topic.Length > 128 || !topic.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = topic.AsSpan(Root.Length + 1);
        if (rest.SequenceEqual("bridge/state"))
        {
            return new TopicAddress(TopicKind.BridgeState, null);
        }
        if (rest.SequenceEqual("bridge/pairing"))
        {
            return new TopicAddress(TopicKind.BridgePairing, null);
        }
        var firstSlash = rest.IndexOf('/');
        if (firstSlash < 0)
        {
            return null;
        }
        var scope = rest[..firstSlash];
        rest = rest[(firstSlash + 1)..];
        var secondSlash = rest.IndexOf('/');
        if (secondSlash < 0)
        {
            return null;
        }
        var id = rest[..secondSlash];
        var leaf = rest[(secondSlash + 1)..];
        if (!Identifiers.IsValid(id))
        {
            return null;
        }
        TopicKind? kind = scope switch
        {
            "gw" => leaf switch
            {
                "up" => TopicKind.GatewayUp,
                "down" => TopicKind.GatewayDown,
                "availability" => TopicKind.GatewayAvailability,
                _ => null,
            },
            "dev" => leaf switch
            {
                "up" => TopicKind.DeviceUp,
                "down" => TopicKind.DeviceDown,
                "hello" => TopicKind.DeviceHello,
                "welcome" => TopicKind.DeviceWelcome,
                "availability" => TopicKind.DeviceAvailability,
                _ => null,
            },
            _ => null,
        };
        return kind is null ? null : new TopicAddress(kind.Value, id.ToString());
    }

    private static string Gateway(string tid, string leaf)
    {
        Identifiers.Require(tid, "tid");
        return $"{Root}/gw/{tid}/{leaf}";
    }

    private static string Device(string did, string leaf)
    {
        Identifiers.Require(did, "did");
        return $"{Root}/dev/{did}/{leaf}";
    }
}
