using System.Net.NetworkInformation;
using Pi.Gateway.Identity;
using Pi.Protocol.Labels;

namespace Pi.Gateway.Tests.Identity;

public sealed class Gateway_Mac_Tests
{
    [Theory]
    [InlineData("b8:27:eb:12:34:56")]
    [InlineData("B8:27:EB:12:34:56")]
    [InlineData("b8-27-eb-12-34-56")]
    [InlineData("b827eb123456")]
    [InlineData("  B827EB123456 ")]
    public void Accepted_forms_normalize_to_upper_case_colons(string text)
    {
        Assert.True(DeviceMac.TryNormalize(text, out var mac));
        Assert.Equal("B8:27:EB:12:34:56", mac);
        Assert.Equal("B8:27:EB:12:34:56", DeviceMac.Normalize(text));
        Assert.Equal(new byte[] { 0xB8, 0x27, 0xEB, 0x12, 0x34, 0x56 }, DeviceMac.ToBytes(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("b8:27:eb:12:34")]
    [InlineData("b8:27-eb:12:34:56")]
    [InlineData("b8:27:eb:12:34:5g")]
    [InlineData("b8.27.eb.12.34.56")]
    [InlineData("00:00:00:00:00:00")]
    [InlineData("FF:FF:FF:FF:FF:FF")]
    [InlineData("01:00:5E:00:00:FB")]
    public void Other_text_and_non_unicast_addresses_are_refused(string? text)
    {
        Assert.False(DeviceMac.TryNormalize(text, out var mac));
        Assert.Null(mac);
    }

    [Fact]
    public void An_interface_address_is_formatted_the_same_way()
    {
        Assert.Equal("DC:A6:32:0A:0B:0C", DeviceMac.From(PhysicalAddress.Parse("DC-A6-32-0A-0B-0C")));
        Assert.Throws<ArgumentException>(() => DeviceMac.From(PhysicalAddress.None));
    }
}
