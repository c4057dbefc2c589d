using System.Text;
using Pi.Cloud.Devices;

namespace Pi.Cloud.Tests.Devices;

public sealed class Factory_Csv_Error_Tests
{
    [Theory]
    [InlineData("")]
    [InlineData("\r\n\n")]
    public void Needs_a_header_row(string text)
    {
        var error = Assert.Single(FactoryImportSamples.CsvError(text).Errors);

        Assert.Contains("header row is required", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Needs_the_mac_and_code_columns()
    {
        var errors = FactoryImportSamples.CsvError("uuid,sn\n,\n").Errors;

        Assert.Equal(["mac", "verification_code"], errors.Select(e => e.Field));
        Assert.All(errors, e => Assert.Equal(1, e.Line));
    }

    [Fact]
    public void Refuses_a_column_named_twice()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError("mac,MAC,verification_code\n").Errors);

        Assert.Equal(("mac", 1), (error.Field, error.Line));
    }

    [Fact]
    public void Refuses_a_row_with_another_number_of_fields()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError("mac,verification_code\n00:11:22:33:44:56,a\n00:11:22:33:44:58,b,extra\n").Errors);

        Assert.Equal(3, error.Line);
        Assert.Equal("has 3 fields; the header has 2", error.Reason);
    }

    [Fact]
    public void Refuses_an_unclosed_quote_naming_the_line_it_opened_on()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError("mac,verification_code\n00:11:22:33:44:56,\"abc\n\ndef\n").Errors);

        Assert.Equal(2, error.Line);
        Assert.Contains("not closed", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_quote_inside_an_unquoted_field()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError("mac,verification_code\n00:11:22:33:44:56,ab\"c\n").Errors);

        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Refuses_text_after_a_closing_quote()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError("mac,verification_code\n00:11:22:33:44:56,\"ab\"c\n").Errors);

        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Counts_lines_inside_quoted_fields()
    {
        var error = Assert.Single(FactoryImportSamples.CsvError("mac,note,verification_code\n00:11:22:33:44:56,\"two\r\nlines\",a\nnot-a-mac,,b\n").Errors);

        Assert.Equal((4, "mac"), (error.Line, error.Field));
    }

    [Fact]
    public void Refuses_input_that_is_not_utf8_naming_the_line()
    {
        var bytes = Encoding.UTF8.GetBytes("mac,verification_code\n00:11:22:33:44:56,ab").Concat(new byte[] { 0xC3, 0x28, (byte)'\n' }).ToArray();

        var error = Assert.Single(Assert.Throws<FactoryImportException>(() => FactoryRecordImport.Parse(bytes, FactoryImportFormat.Csv, FactoryImportSamples.Clock())).Errors);

        Assert.Equal(2, error.Line);
        Assert.Contains("UTF-8", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_every_bad_field_of_every_row()
    {
        var errors = FactoryImportSamples.CsvError(
            "mac,uuid,sn,verification_code\n" +
            "00:11:22:33:44:56,nope,,\n" +
            "00:11:22:33:44:58,,,ok\n" +
            "zz,,,ok\n").Errors;

        Assert.Equal([(2, "uuid"), (2, "verification_code"), (4, "mac")], errors.Select(e => (e.Line ?? 0, e.Field)));
    }

    [Fact]
    public void Describes_an_error_by_line_and_field()
    {
        var exception = FactoryImportSamples.CsvError("mac,verification_code\nzz,ok\n");

        Assert.Equal("line 2, 'mac': must be a MAC address written aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff or aabbccddeeff", exception.Errors[0].ToString());
        Assert.Equal("The factory-record import was refused (1 error); first: " + exception.Errors[0], exception.Message);
    }
}
