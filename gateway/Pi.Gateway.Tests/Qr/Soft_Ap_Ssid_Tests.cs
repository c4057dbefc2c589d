using Pi.Gateway.Qr;

namespace Pi.Gateway.Tests.Qr;

public sealed class Soft_Ap_Ssid_Tests
{
    [Fact]
    public void Is_brand_category_and_the_macs_last_three_bytes_in_upper_case_hex()
    {
        Assert.Equal("pi_gateway_12AB56", SoftApSsid.For(new SoftApNamingOptions(), "b8:27:eb:12:ab:56"));
        Assert.Equal("Acme_hub-2_0A0B0C", SoftApSsid.For("Acme", "hub-2", "DC-A6-32-0A-0B-0C"));
    }

    [Fact]
    public void Fits_32_bytes_at_the_longest()
    {
        var ssid = SoftApSsid.For(new string('b', 12), new string('c', 12), "DC:A6:32:0A:0B:0C");

        Assert.Equal(32, ssid.Length);
        Assert.NotEmpty(SoftApSsid.Validate(new string('b', 12), new string('c', 13)));
    }

    [Theory]
    [InlineData("", "gateway")]
    [InlineData("pi", "")]
    [InlineData(null, "gateway")]
    [InlineData("my_brand", "gateway")]
    [InlineData("pi", "gate way")]
    [InlineData("pï", "gateway")]
    [InlineData("pi;", "gateway")]
    public void Brand_and_category_are_letters_digits_and_dashes(string? brand, string category)
    {
        Assert.NotEmpty(SoftApSsid.Validate(brand, category));
        Assert.NotEmpty(new SoftApNamingOptions { Brand = brand!, Category = category }.Validate());
        Assert.Throws<ArgumentException>(() => SoftApSsid.For(brand!, category, "DC:A6:32:0A:0B:0C"));
    }

    [Fact]
    public void The_default_options_are_valid()
    {
        Assert.Empty(new SoftApNamingOptions().Validate());
    }

    [Fact]
    public void A_bad_mac_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SoftApSsid.For("pi", "gateway", "12:34"));
    }
}
