using Pi.Cloud.Devices;

namespace Pi.Cloud.Tests.Devices;

public sealed class Factory_Field_Rule_Tests
{
    [Theory]
    [InlineData("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff")]
    [InlineData("aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff")]
    [InlineData("Aa-bB-cc-DD-ee-FF", "aa:bb:cc:dd:ee:ff")]
    [InlineData("aabbccddeeff", "aa:bb:cc:dd:ee:ff")]
    [InlineData(" 001122334455 ", "00:11:22:33:44:55")]
    public void Normalizes_the_accepted_mac_forms(string text, string mac)
    {
        Assert.True(FactoryRecordImport.TryNormalizeMac(text, out var normalized));
        Assert.Equal(mac, normalized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("aa:bb:cc:dd:ee")]
    [InlineData("aa:bb:cc:dd:ee:ff:00")]
    [InlineData("aa:bb-cc:dd:ee:ff")]
    [InlineData("aa.bb.cc.dd.ee.ff")]
    [InlineData("aabb.ccdd.eeff")]
    [InlineData("gg:bb:cc:dd:ee:ff")]
    [InlineData("aabbccddeefg")]
    [InlineData("a:bb:cc:dd:ee:fff")]
    [InlineData("＊a:bb:cc:dd:ee:ff")]
    [InlineData("１１:bb:cc:dd:ee:ff")]
    public void Refuses_anything_else_as_a_mac(string? text)
    {
        Assert.False(FactoryRecordImport.TryNormalizeMac(text, out var mac));
        Assert.Null(mac);
    }

    [Theory]
    [InlineData("00:00:00:00:00:00", "all-zero")]
    [InlineData("ff:ff:ff:ff:ff:ff", "unicast")]
    [InlineData("01:00:5e:00:00:01", "unicast")]
    public void Refuses_macs_no_device_has(string mac, string reason)
    {
        var error = Assert.Single(FactoryImportSamples.CsvError($"mac,verification_code\n{mac},x\n").Errors);

        Assert.Equal("mac", error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3F2504E0-4F89-11D3-9A0C-0305E82C3301")]
    [InlineData("3f2504e04f8911d39a0c0305e82c3301")]
    [InlineData(" 3f2504e0-4f89-11d3-9a0c-0305e82c3301 ")]
    public void Normalizes_the_accepted_uuid_forms(string text)
    {
        Assert.True(FactoryRecordImport.TryNormalizeUuid(text, out var uuid));
        Assert.Equal("3f2504e0-4f89-11d3-9a0c-0305e82c3301", uuid);
    }

    [Theory]
    [InlineData("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}")]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c330")]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c33011")]
    [InlineData("3g2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("3f2504e04f89-11d3-9a0c-0305e82c3301")]
    [InlineData(null)]
    public void Refuses_anything_else_as_a_uuid(string? text)
    {
        Assert.False(FactoryRecordImport.TryNormalizeUuid(text, out _));
    }

    [Fact]
    public void Refuses_the_nil_uuid()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError("mac,uuid,verification_code\n00:11:22:33:44:56,00000000-0000-0000-0000-000000000000,x\n").Errors);

        Assert.Equal("uuid", error.Field);
    }

    [Fact]
    public void Takes_a_code_of_1_to_128_characters_as_it_is()
    {
        var code = "c" + string.Concat(Enumerable.Repeat("😀", 63)) + "e";

        var record = Assert.Single(FactoryImportSamples.Csv($"mac,verification_code\n00:11:22:33:44:56,{code}\n"));

        Assert.Equal(128, code.Length);
        Assert.Equal(code, record.VerificationCode);
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("\"\"", "is required")]
    [InlineData("\"a\tb\"", "must not contain control characters")]
    [InlineData("\"a\nb\"", "must not contain control characters")]
    [InlineData("a\u007fb", "must not contain control characters")]
    [InlineData("a\u0085b", "must not contain control characters")]
    [InlineData(" ab", "must not begin or end with white space")]
    [InlineData("ab ", "must not begin or end with white space")]
    [InlineData("ab\u00a0", "must not begin or end with white space")]
    public void Refuses_a_code_that_breaks_a_rule(string field, string reason)
    {
        var error = Assert.Single(FactoryImportSamples.CsvError($"mac,verification_code\n00:11:22:33:44:56,{field}\n").Errors);

        Assert.Equal(("verification_code", reason), (error.Field, error.Reason));
    }

    [Fact]
    public void Refuses_a_code_of_129_characters()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError($"mac,verification_code\n00:11:22:33:44:56,{new string('x', 129)}\n").Errors);

        Assert.Equal("must be 1 to 128 characters", error.Reason);
    }

    [Fact]
    public void Takes_a_serial_number_of_up_to_64_utf8_bytes_trimmed()
    {
        var sn = new string('é', 32);

        var record = Assert.Single(FactoryImportSamples.Csv($"mac,sn,verification_code\n00:11:22:33:44:56, {sn} ,x\n"));

        Assert.Equal(sn, record.Sn);
    }

    [Theory]
    [InlineData("ééééééééééééééééééééééééééééééééé")]
    [InlineData("\"a\rb\"")]
    public void Refuses_a_serial_number_that_breaks_a_rule(string sn)
    {
        var error = Assert.Single(FactoryImportSamples.CsvError($"mac,sn,verification_code\n00:11:22:33:44:56,{sn},x\n").Errors);

        Assert.Equal("sn", error.Field);
    }

    [Fact]
    public void Refuses_a_mac_twice_in_one_import_naming_the_first()
    {
        var errors = FactoryImportSamples.CsvError("mac,verification_code\nAA:BB:CC:DD:EE:F0,a\n00:11:22:33:44:56,b\naabbccddeef0,c\n").Errors;

        var error = Assert.Single(errors);
        Assert.Equal((4, "mac", "repeats the MAC of line 2"), (error.Line, error.Field, error.Reason));
    }

    [Fact]
    public void Refuses_a_mac_twice_in_json_naming_the_first_index()
    {
        var error = Assert.Single(FactoryImportSamples.JsonError("""[{"mac": "aabbccddeef0", "verificationCode": "a"}, {"mac": "AA-BB-CC-DD-EE-F0", "verificationCode": "b"}]""").Errors);

        Assert.Equal((1, "mac", "repeats the MAC of record [0]"), (error.Index, error.Field, error.Reason));
    }
}
