using System.Text;
using Pi.Cloud.Devices;

namespace Pi.Cloud.Tests.Devices;

public sealed class Factory_Json_Import_Tests
{
    [Fact]
    public void Reads_an_array_of_records()
    {
        var records = FactoryImportSamples.Json("""
            [
              {"mac": "AA-BB-CC-DD-EE-F0", "uuid": "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "sn": "SN-1", "verificationCode": "one"},
              {"mac": "aabbccddeef2", "verificationCode": "two", "uuid": null, "sn": null}
            ]
            """);

        Assert.Collection(
            records,
            r => Assert.Equal(new Pi.Cloud.Store.FactoryRecord("aa:bb:cc:dd:ee:f0", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "SN-1", "one", "import", FactoryImportSamples.Now), r),
            r => Assert.Equal(new Pi.Cloud.Store.FactoryRecord("aa:bb:cc:dd:ee:f2", null, null, "two", "import", FactoryImportSamples.Now), r));
    }

    [Fact]
    public void Matches_property_names_in_any_case_and_ignores_others()
    {
        var record = Assert.Single(FactoryImportSamples.Json("""[{"MAC": "00:11:22:33:44:56", "Verification_Code": "x", "batch": {"n": [1, 2]}}]"""));

        Assert.Equal("x", record.VerificationCode);
    }

    [Fact]
    public void Reads_escaped_strings()
    {
        var record = Assert.Single(FactoryImportSamples.Json("""[{"mac": "00:11:22:33:44:56", "verificationCode": "a\"b\\c\u00e9\ud83d\udd11"}]"""));

        Assert.Equal("a\"b\\cé🔑", record.VerificationCode);
    }

    [Fact]
    public void Reads_utf8_with_a_byte_order_mark()
    {
        var bytes = Encoding.UTF8.Preamble.ToArray().Concat(Encoding.UTF8.GetBytes("""[{"mac": "00:11:22:33:44:56", "verificationCode": "x"}]""")).ToArray();

        Assert.Single(FactoryRecordImport.Parse(bytes, FactoryImportFormat.Json, FactoryImportSamples.Clock()));
    }

    [Fact]
    public void An_empty_array_is_an_empty_import()
    {
        Assert.Empty(FactoryImportSamples.Json("[]"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("\"mac\"")]
    [InlineData("null")]
    public void Needs_an_array(string json)
    {
        var error = Assert.Single(FactoryImportSamples.JsonError(json).Errors);

        Assert.Equal("the input must be a JSON array of objects", error.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[")]
    [InlineData("[{\"mac\": }]")]
    [InlineData("[{}],")]
    [InlineData("[{},]")]
    [InlineData("[/* comment */]")]
    public void Refuses_text_that_is_not_json(string json)
    {
        var error = Assert.Single(FactoryImportSamples.JsonError(json).Errors);

        Assert.Equal("the input is not valid JSON", error.Reason);
    }

    [Fact]
    public void Names_the_line_of_a_syntax_error_without_quoting_the_text()
    {
        var error = Assert.Single(FactoryImportSamples.JsonError("[\n{\"mac\": \"00:11:22:33:44:56\",\n \"verificationCode\": hunter2}\n]").Errors);

        Assert.Equal(3, error.Line);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_deeply_nested_input()
    {
        var json = "[{\"x\": " + new string('[', 100) + new string(']', 100) + "}]";

        Assert.Equal("the input is not valid JSON", Assert.Single(FactoryImportSamples.JsonError(json).Errors).Reason);
    }

    [Fact]
    public void Names_elements_by_index()
    {
        var errors = FactoryImportSamples.JsonError("""
            [
              {"mac": "00:11:22:33:44:56", "verificationCode": "ok"},
              42,
              {"mac": 5, "verificationCode": "ok"},
              {"mac": "00:11:22:33:44:5a", "verificationCode": ["x"]},
              {"mac": "00:11:22:33:44:5c"},
              {"mac": "00:11:22:33:44:5e", "verificationCode": "a", "verificationCode": "b"},
              {"mac": "00:11:22:33:44:60", "verificationCode": "a", "sn": 7, "uuid": false}
            ]
            """).Errors;

        Assert.Equal(
            [
                (1, null, "must be a JSON object"),
                (2, "mac", "must be a string"),
                (3, "verificationCode", "must be a string"),
                (4, "verificationCode", "is required"),
                (5, "verificationCode", "appears more than once"),
                (6, "sn", "must be a string"),
                (6, "uuid", "must be a string"),
            ],
            errors.Select(e => (e.Index ?? -1, e.Field, e.Reason)));
        Assert.All(errors, e => Assert.Null(e.Line));
        Assert.Equal("record [1]: must be a JSON object", errors[0].ToString());
    }

    [Fact]
    public void Refuses_a_string_that_is_not_valid_unicode()
    {
        var error = Assert.Single(FactoryImportSamples.JsonError("""[{"mac": "00:11:22:33:44:56", "verificationCode": "ab\ud800"}]""").Errors);

        Assert.Equal(("verificationCode", "must be valid Unicode text"), (error.Field, error.Reason));
    }

    [Fact]
    public void Ignores_a_property_name_that_is_not_valid_unicode()
    {
        var record = Assert.Single(FactoryImportSamples.Json("""[{"\udc00": 1, "mac": "00:11:22:33:44:56", "verificationCode": "x"}]"""));

        Assert.Equal("x", record.VerificationCode);
    }
}
