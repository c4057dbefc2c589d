using Pi.Protocol.Errors;
using Pi.Protocol.Topics;
using static Pi.Protocol.Tests.TestData;
using TopicNames = Pi.Protocol.Topics.Topics;

namespace Pi.Protocol.Tests.Topics;

public sealed class Topics_Tests
{
    public static TheoryData<TopicKind, string, string?> Every_topic => new()
    {
        { TopicKind.GatewayUp, "pi/v2/gw/gw-1042029/up", "gw-1042029" },
        { TopicKind.GatewayDown, "pi/v2/gw/gw-1042029/down", "gw-1042029" },
        { TopicKind.GatewayAvailability, "pi/v2/gw/gw-1042029/availability", "gw-1042029" },
        { TopicKind.DeviceUp, "pi/v2/dev/lamp_1/up", "lamp_1" },
        { TopicKind.DeviceDown, "pi/v2/dev/lamp_1/down", "lamp_1" },
        { TopicKind.DeviceHello, "pi/v2/dev/lamp_1/hello", "lamp_1" },
        { TopicKind.DeviceWelcome, "pi/v2/dev/lamp_1/welcome", "lamp_1" },
        { TopicKind.DeviceAvailability, "pi/v2/dev/lamp_1/availability", "lamp_1" },
        { TopicKind.BridgeState, "pi/v2/bridge/state", null },
        { TopicKind.BridgePairing, "pi/v2/bridge/pairing", null },
    };

    private static string Build(TopicKind kind, string? id) => kind switch
    {
        TopicKind.GatewayUp => TopicNames.GatewayUp(id!),
        TopicKind.GatewayDown => TopicNames.GatewayDown(id!),
        TopicKind.GatewayAvailability => TopicNames.GatewayAvailability(id!),
        TopicKind.DeviceUp => TopicNames.DeviceUp(id!),
        TopicKind.DeviceDown => TopicNames.DeviceDown(id!),
        TopicKind.DeviceHello => TopicNames.DeviceHello(id!),
        TopicKind.DeviceWelcome => TopicNames.DeviceWelcome(id!),
        TopicKind.DeviceAvailability => TopicNames.DeviceAvailability(id!),
        TopicKind.BridgeState => TopicNames.BridgeState,
        TopicKind.BridgePairing => TopicNames.BridgePairing,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Every_topic))]
    public void Builders_produce_the_documented_topics(TopicKind kind, string topic, string? id) =>
        Assert.Equal(topic, Build(kind, id));

    [Theory]
    [MemberData(nameof(Every_topic))]
    public void Parse_round_trips_every_kind(TopicKind kind, string topic, string? id) =>
        Assert.Equal(new TopicAddress(kind, id), TopicNames.Parse(topic));

    [Fact]
    public void The_constants_are_the_documented_strings()
    {
        Assert.Equal("pi/v2", TopicNames.Root);
        Assert.Equal("pi/v2/gw/+/up", TopicNames.AllGatewaysUp);
        Assert.Equal("pi/v2/gw/+/availability", TopicNames.AllGatewaysAvailability);
        Assert.Equal("$share/pi-cloud/pi/v2/gw/+/up", TopicNames.SharedGatewaysUp);
        Assert.Equal("online", TopicNames.Online);
        Assert.Equal("offline", TopicNames.Offline);
    }

    [Fact]
    public void The_longest_ids_are_allowed()
    {
        var id = new string('x', 64);
        Assert.Equal(new TopicAddress(TopicKind.GatewayAvailability, id), TopicNames.Parse(TopicNames.GatewayAvailability(id)));
        Assert.Equal(new TopicAddress(TopicKind.DeviceWelcome, id), TopicNames.Parse(TopicNames.DeviceWelcome(id)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("gw/1")]
    [InlineData("gw 1")]
    [InlineData("$SYS")]
    [InlineData("g\u00fc")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")] // 65
    public void Builders_refuse_ids_that_are_not_one_safe_level(string id)
    {
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.GatewayUp(id));
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.GatewayDown(id));
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.GatewayAvailability(id));
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.DeviceUp(id));
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.DeviceDown(id));
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.DeviceHello(id));
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.DeviceWelcome(id));
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.DeviceAvailability(id));
    }

    [Fact]
    public void Builders_refuse_null() =>
        Throws(ProtocolErrorCode.InvalidId, () => TopicNames.GatewayUp(null!));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("pi/v2")]
    [InlineData("pi/v2/")]
    [InlineData("pi/v2/gw/+/up")] // wildcards
    [InlineData("pi/v2/gw/#")]
    [InlineData("pi/v2/dev/+/hello")]
    [InlineData("pi/v2/gw/gw-1/+")]
    [InlineData("pi/v2/gw/gw-1/up/extra")] // extra levels
    [InlineData("pi/v2/gw/gw-1/up/")]
    [InlineData("pi/v2/bridge/state/x")]
    [InlineData("pi/v2/gw/gw/1/up")]
    [InlineData("pi/v2/gw//up")] // empty id
    [InlineData("pi/v2/gw/gw 1/up")] // bad ids
    [InlineData("pi/v2/gw/gw$1/up")]
    [InlineData("pi/v2/gw/gw-1")] // missing leaf
    [InlineData("pi/v2/gw/gw-1/hello")] // leaf of the other scope
    [InlineData("pi/v2/dev/lamp/state")]
    [InlineData("pi/v2/hub/gw-1/up")] // unknown scope
    [InlineData("pi/v2/bridge/other")]
    [InlineData("pi/v1/gw/gw-1/up")] // other roots
    [InlineData("PI/V2/gw/gw-1/up")]
    [InlineData("/pi/v2/gw/gw-1/up")]
    [InlineData("$share/pi-cloud/pi/v2/gw/gw-1/up")]
    [InlineData("pi/v2/GW/gw-1/up")]
    [InlineData("pi/v2/gw/gw-1/UP")]
    public void Parse_refuses_anything_that_is_not_exactly_one_protocol_topic(string? topic) =>
        Assert.Null(TopicNames.Parse(topic));

    [Fact]
    public void Parse_refuses_overlong_topics()
    {
        Assert.Null(TopicNames.Parse("pi/v2/gw/" + new string('x', 65) + "/up"));
        Assert.Null(TopicNames.Parse("pi/v2/bridge/state" + new string('/', 200)));
        Assert.Null(TopicNames.Parse(new string('x', 100_000)));
    }
}
