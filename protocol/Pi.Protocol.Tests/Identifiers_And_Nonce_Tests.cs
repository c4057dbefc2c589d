using System.Text;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests;

public sealed class Identifiers_Tests
{
    [Theory]
    [InlineData("a")]
    [InlineData("gw-1042029")]
    [InlineData("Lamp_01")]
    [InlineData("-_-")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")] // 64
    public void Valid_ids(string id)
    {
        Assert.True(Identifiers.IsValid(id.AsSpan()));
        Assert.True(Identifiers.IsValid(Encoding.ASCII.GetBytes(id)));
        Identifiers.Require(id, "tid");
    }

    [Theory]
    [InlineData("")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")] // 65
    [InlineData("a/b")]
    [InlineData("a+b")]
    [InlineData("a#")]
    [InlineData("$a")]
    [InlineData("a b")]
    [InlineData("a.b")]
    [InlineData("a\nb")]
    [InlineData("\u00e4")]
    [InlineData("\uff41")] // fullwidth a
    public void Invalid_ids(string id)
    {
        Assert.False(Identifiers.IsValid(id.AsSpan()));
        Assert.False(Identifiers.IsValid(Encoding.UTF8.GetBytes(id)));
        var ex = Throws(ProtocolErrorCode.InvalidId, () => Identifiers.Require(id, "did"));
        Assert.Contains("did", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_is_not_an_id() =>
        Throws(ProtocolErrorCode.InvalidId, () => Identifiers.Require(null, "tid"));

    [Fact]
    public void Bytes_above_ascii_are_not_id_characters() =>
        Assert.False(Identifiers.IsValid(new byte[] { (byte)'a', 0xE1 }));
}

public sealed class Nonce_And_Direction_Tests
{
    [Theory]
    [InlineData(NonceChannel.ProvisioningDatagram, Direction.AppToGateway, 0x0000_0101u)]
    [InlineData(NonceChannel.ProvisioningStream, Direction.GatewayToApp, 0x0000_0202u)]
    [InlineData(NonceChannel.Envelope, Direction.GatewayToCloud, 0x0000_0303u)]
    [InlineData(NonceChannel.Envelope, Direction.GatewayToSubDevice, 0x0000_0306u)]
    public void The_prefix_is_zero_zero_channel_direction(NonceChannel channel, Direction direction, uint prefix) =>
        Assert.Equal(prefix, Nonce.Prefix(channel, direction));

    [Fact]
    public void A_nonce_is_the_prefix_then_the_counter_big_endian()
    {
        var nonce = new byte[Nonce.Size];
        Nonce.Write(nonce, 0x00000304, 0x0102030405060708);
        Assert.Equal(Convert.FromHexString("000003040102030405060708"), nonce);
    }

    [Fact]
    public void Every_channel_and_direction_pair_has_its_own_prefix()
    {
        var prefixes = Enum.GetValues<NonceChannel>().SelectMany(c => Enum.GetValues<Direction>().Select(d => Nonce.Prefix(c, d))).ToList();
        Assert.Equal(prefixes.Count, prefixes.Distinct().Count());
    }

    [Theory]
    [InlineData(Direction.AppToGateway, Direction.GatewayToApp)]
    [InlineData(Direction.GatewayToCloud, Direction.CloudToGateway)]
    [InlineData(Direction.SubDeviceToGateway, Direction.GatewayToSubDevice)]
    public void Reverse_swaps_the_ends(Direction direction, Direction reverse)
    {
        Assert.Equal(reverse, direction.Reverse());
        Assert.Equal(direction, reverse.Reverse());
    }

    [Fact]
    public void Only_the_six_directions_are_defined()
    {
        Assert.False(Directions.IsDefined(0));
        Assert.False(Directions.IsDefined(7));
        Assert.All(Enum.GetValues<Direction>(), d => Assert.True(Directions.IsDefined((byte)d)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((Direction)0).Reverse());
    }
}
