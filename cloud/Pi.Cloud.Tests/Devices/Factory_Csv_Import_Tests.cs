using System.Text;
using Pi.Cloud.Devices;

namespace Pi.Cloud.Tests.Devices;

public sealed class Factory_Csv_Import_Tests
{
    [Fact]
    public void Reads_records_with_normalized_identifiers()
    {
        var records = FactoryImportSamples.Csv(
            "mac,uuid,sn,verification_code\r\n" +
            "AA:BB:CC:DD:EE:F0,3F2504E0-4F89-11D3-9A0C-0305E82C3301,SN-0001,code-one\r\n" +
            "aa-bb-cc-dd-ee-f2,3f2504e04f8911d39a0c0305e82c3302,SN-0002,code-two\r\n" +
            "AABBCCDDEEF4,,,code-three\r\n");

        Assert.Collection(
            records,
            r => Assert.Equal(new Pi.Cloud.Store.FactoryRecord("aa:bb:cc:dd:ee:f0", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "SN-0001", "code-one", "import", FactoryImportSamples.Now), r),
            r => Assert.Equal(new Pi.Cloud.Store.FactoryRecord("aa:bb:cc:dd:ee:f2", "3f2504e0-4f89-11d3-9a0c-0305e82c3302", "SN-0002", "code-two", "import", FactoryImportSamples.Now), r),
            r => Assert.Equal(new Pi.Cloud.Store.FactoryRecord("aa:bb:cc:dd:ee:f4", null, null, "code-three", "import", FactoryImportSamples.Now), r));
    }

    [Fact]
    public void Takes_the_columns_in_any_order_and_any_case()
    {
        var records = FactoryImportSamples.Csv("Verification_Code,SN,MAC\nsecret,S1,00:11:22:33:44:56\n");

        var record = Assert.Single(records);
        Assert.Equal(("00:11:22:33:44:56", "S1", "secret"), (record.Mac, record.Sn, record.VerificationCode));
        Assert.Null(record.Uuid);
    }

    [Theory]
    [InlineData("verificationCode")]
    [InlineData("VERIFICATIONCODE")]
    [InlineData(" verification_code ")]
    public void Accepts_the_other_spellings_of_the_code_column(string name)
    {
        var record = Assert.Single(FactoryImportSamples.Csv($"mac,{name}\n00:11:22:33:44:56,abc\n"));

        Assert.Equal("abc", record.VerificationCode);
    }

    [Fact]
    public void Ignores_columns_it_does_not_know()
    {
        var record = Assert.Single(FactoryImportSamples.Csv("batch,mac,color,verification_code\n7,00:11:22:33:44:56,\"red, dark\",abc\n"));

        Assert.Equal("abc", record.VerificationCode);
    }

    [Fact]
    public void Reads_quoted_fields_with_commas_quotes_and_line_breaks()
    {
        var record = Assert.Single(FactoryImportSamples.Csv("mac,sn,verification_code\r\n\"00:11:22:33:44:56\",\"S,N \"\"7\"\"\",\"a,b\"\"c\"\r\n"));

        Assert.Equal("S,N \"7\"", record.Sn);
        Assert.Equal("a,b\"c", record.VerificationCode);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("\r")]
    public void Reads_any_line_ending(string newline)
    {
        var text = $"mac,verification_code{newline}00:11:22:33:44:56,a{newline}00:11:22:33:44:58,b";

        Assert.Equal(["a", "b"], FactoryImportSamples.Csv(text).Select(r => r.VerificationCode));
    }

    [Fact]
    public void Reads_utf8_with_or_without_a_byte_order_mark()
    {
        const string text = "mac,verification_code\n00:11:22:33:44:56,ключ-密码\n";
        var withBom = Encoding.UTF8.Preamble.ToArray().Concat(Encoding.UTF8.GetBytes(text)).ToArray();

        var plain = FactoryImportSamples.Csv(text);
        var bom = FactoryRecordImport.Parse(withBom, FactoryImportFormat.Csv, FactoryImportSamples.Clock());

        Assert.Equal("ключ-密码", Assert.Single(plain).VerificationCode);
        Assert.Equal(plain, bom);
    }

    [Fact]
    public void Skips_blank_lines()
    {
        var records = FactoryImportSamples.Csv("\n\nmac,verification_code\n\n00:11:22:33:44:56,a\r\n\r\n00:11:22:33:44:58,b\n\n");

        Assert.Equal(2, records.Count);
    }

    [Fact]
    public void A_trailing_comma_is_an_empty_last_field()
    {
        var record = Assert.Single(FactoryImportSamples.Csv("mac,verification_code,sn\n00:11:22:33:44:56,a,"));

        Assert.Null(record.Sn);
    }

    [Fact]
    public void A_header_alone_is_an_empty_import()
    {
        Assert.Empty(FactoryImportSamples.Csv("mac,verification_code\r\n"));
    }

    [Fact]
    public void Stamps_every_record_with_the_clock_and_the_import_source()
    {
        var clock = FactoryImportSamples.Clock();
        clock.Advance(TimeSpan.FromHours(3));

        var records = FactoryRecordImport.Parse(Encoding.UTF8.GetBytes("mac,verification_code\n00:11:22:33:44:56,a\n00:11:22:33:44:58,b\n"), FactoryImportFormat.Csv, clock);

        Assert.All(records, r => Assert.Equal((FactoryImportSamples.Now.AddHours(3), "import"), (r.CreatedAt, r.Source)));
    }

    [Theory]
    [InlineData("text/csv", FactoryImportFormat.Csv)]
    [InlineData("text/CSV; charset=utf-8", FactoryImportFormat.Csv)]
    [InlineData("application/json", FactoryImportFormat.Json)]
    [InlineData("Application/JSON; charset=utf-8", FactoryImportFormat.Json)]
    [InlineData("text/plain", null)]
    [InlineData(null, null)]
    public void Knows_the_format_from_the_media_type(string? mediaType, FactoryImportFormat? format)
    {
        Assert.Equal(format, FactoryRecordImport.FormatOf(mediaType));
    }
}
