using Microsoft.AspNetCore.Http;
using Pi.Cloud.Http;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Tests.Http;

public sealed class Problem_Mapping_Tests
{
    [Theory]
    [InlineData(ProtocolErrorCode.BadCredentials, 401)]
    [InlineData(ProtocolErrorCode.SessionExpired, 401)]
    [InlineData(ProtocolErrorCode.AuthenticationFailed, 401)]
    [InlineData(ProtocolErrorCode.NotOwner, 403)]
    [InlineData(ProtocolErrorCode.BadHash, 403)]
    [InlineData(ProtocolErrorCode.KeyExpired, 403)]
    [InlineData(ProtocolErrorCode.ServiceExpired, 403)]
    [InlineData(ProtocolErrorCode.UnknownDevice, 404)]
    [InlineData(ProtocolErrorCode.AlreadyBound, 409)]
    [InlineData(ProtocolErrorCode.Busy, 409)]
    [InlineData(ProtocolErrorCode.UnexpectedMessage, 409)]
    [InlineData(ProtocolErrorCode.FrameTooLarge, 413)]
    [InlineData(ProtocolErrorCode.RateLimited, 429)]
    [InlineData(ProtocolErrorCode.Offline, 503)]
    [InlineData(ProtocolErrorCode.Timeout, 504)]
    [InlineData(ProtocolErrorCode.MalformedJson, 400)]
    [InlineData(ProtocolErrorCode.MissingField, 400)]
    [InlineData(ProtocolErrorCode.InvalidField, 400)]
    [InlineData(ProtocolErrorCode.InvalidId, 400)]
    [InlineData(ProtocolErrorCode.Truncated, 400)]
    [InlineData(ProtocolErrorCode.UnknownCommand, 400)]
    [InlineData(ProtocolErrorCode.Internal, 500)]
    public void Maps_a_code_to_its_status(ProtocolErrorCode code, int status)
    {
        Assert.Equal(status, Problems.StatusOf(code));
    }

    [Fact]
    public void Maps_every_defined_code_to_an_error_status()
    {
        Assert.All(ProtocolErrors.All, code => Assert.InRange(Problems.StatusOf(code), 400, 599));
    }

    [Fact]
    public void Maps_a_code_this_version_does_not_define_to_500()
    {
        var unknown = (ProtocolErrorCode)399;

        Assert.Equal(500, Problems.StatusOf(unknown));
        Assert.Equal(500, Problems.Details(unknown).Status);
    }

    [Fact]
    public void Describes_a_code_with_its_type_title_status_and_name()
    {
        var details = Problems.Details(ProtocolErrorCode.AlreadyBound, "The gateway has another owner.");

        Assert.Equal("https://pi-gateway.dev/errors/already_bound", details.Type);
        Assert.Equal("Already bound", details.Title);
        Assert.Equal(409, details.Status);
        Assert.Equal("The gateway has another owner.", details.Detail);
        Assert.Equal("already_bound", details.Extensions["code"]);
    }

    [Fact]
    public void Gives_every_defined_code_a_distinct_type_and_a_title()
    {
        var types = ProtocolErrors.All.Select(Problems.TypeOf).ToList();

        Assert.Equal(types.Count, types.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ProtocolErrors.All, code =>
        {
            var title = Problems.TitleOf(code);
            Assert.True(char.IsUpper(title[0]), title);
            Assert.DoesNotContain('_', title);
        });
    }

    [Fact]
    public void Leaves_out_an_empty_detail()
    {
        Assert.Null(Problems.Details(ProtocolErrorCode.Timeout, "").Detail);
        Assert.Null(Problems.Details(ProtocolErrorCode.Timeout).Detail);
    }

    [Fact]
    public void Lets_the_transport_override_the_status()
    {
        var details = Problems.Details(ProtocolErrorCode.MalformedJson, status: StatusCodes.Status415UnsupportedMediaType);

        Assert.Equal(415, details.Status);
        Assert.Equal("malformed_json", details.Extensions["code"]);
    }

    [Fact]
    public void Makes_an_endpoint_result_of_a_code()
    {
        var result = Problems.Result(ProtocolErrorCode.RateLimited, "Slow down.");

        Assert.Equal(429, result.StatusCode);
        Assert.Equal("application/problem+json", result.ContentType);
        Assert.Equal("rate_limited", result.ProblemDetails.Extensions["code"]);
        Assert.Equal("Slow down.", result.ProblemDetails.Detail);
    }

    [Fact]
    public void An_api_exception_carries_its_code_and_detail()
    {
        var error = new CloudApiException(ProtocolErrorCode.NotOwner, "You do not own this gateway.");

        Assert.Equal(ProtocolErrorCode.NotOwner, error.Code);
        Assert.Equal("You do not own this gateway.", error.Message);
        Assert.Equal(ProtocolErrorCode.Internal, new CloudApiException().Code);
    }
}
