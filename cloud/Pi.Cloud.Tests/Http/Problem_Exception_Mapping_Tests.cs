using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Pi.Cloud.Http;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Tests.Http;

public sealed class Problem_Exception_Mapping_Tests
{
    private const string Secret = "s3cret-setup-code";

    [Fact]
    public void A_cloud_api_exception_keeps_its_code_and_detail()
    {
        var details = CloudProblemExceptionHandler.ToProblem(new CloudApiException(ProtocolErrorCode.Busy, "Another APP is provisioning it."));

        Assert.Equal(409, details.Status);
        Assert.Equal("busy", details.Extensions["code"]);
        Assert.Equal("Another APP is provisioning it.", details.Detail);
    }

    [Fact]
    public void A_protocol_exception_keeps_its_reason_without_the_name_prefix()
    {
        var details = CloudProblemExceptionHandler.ToProblem(new ProtocolException(ProtocolErrorCode.Replayed, "counter 7 was already accepted"));

        Assert.Equal("replayed", details.Extensions["code"]);
        Assert.Equal("counter 7 was already accepted", details.Detail);
    }

    [Theory]
    [InlineData(413, 413, "frame_too_large")]
    [InlineData(415, 415, "malformed_json")]
    [InlineData(400, 400, "invalid_field")]
    public void A_bad_request_is_named_by_its_status(int thrown, int status, string code)
    {
        var details = CloudProblemExceptionHandler.ToProblem(new BadHttpRequestException("Failed to bind \"" + Secret + "\"", thrown));

        Assert.Equal(status, details.Status);
        Assert.Equal(code, details.Extensions["code"]);
        Assert.DoesNotContain(Secret, details.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_request_caused_by_json_is_malformed_json()
    {
        var cause = new JsonException("'" + Secret + "' is an invalid start of a value");

        var details = CloudProblemExceptionHandler.ToProblem(new BadHttpRequestException("Failed to read parameter", 400, cause));

        Assert.Equal("malformed_json", details.Extensions["code"]);
        Assert.DoesNotContain(Secret, details.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_request_of_another_status_keeps_the_status_and_says_nothing_else()
    {
        var details = CloudProblemExceptionHandler.ToProblem(new BadHttpRequestException(Secret, StatusCodes.Status431RequestHeaderFieldsTooLarge));

        Assert.Equal(431, details.Status);
        Assert.Null(details.Detail);
        Assert.False(details.Extensions.ContainsKey("code"));
    }

    [Fact]
    public void Any_other_exception_is_internal_and_not_echoed()
    {
        var details = CloudProblemExceptionHandler.ToProblem(new InvalidOperationException(Secret));

        Assert.Equal(500, details.Status);
        Assert.Equal("internal", details.Extensions["code"]);
        Assert.DoesNotContain(Secret, details.Detail, StringComparison.Ordinal);
    }
}
