using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pi.Cloud.Http;
using Pi.Cloud.Tests.Support;
using Pi.Protocol.Errors;

namespace Pi.Cloud.Tests.Http;

/// <summary>What a client of a host with <c>UseCloudProblems</c> sees when an endpoint fails.</summary>
public sealed class Problem_Response_Tests : IAsyncLifetime
{
    private const string Secret = "hunter2-verification-code";
    private const int BodyLimit = 256;

    private LoopbackWebApplication _host = null!;

    public sealed record Login(string Email, string Password);

    public async Task InitializeAsync()
    {
        _host = await LoopbackWebApplication.StartAsync(
            builder =>
            {
                builder.Services.AddCloudProblems();
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = BodyLimit);
            },
            app =>
            {
                app.UseCloudProblems();
                app.MapGet("/api", () => { throw new CloudApiException(ProtocolErrorCode.NotOwner, "You do not own this gateway."); });
                app.MapGet("/protocol", () => { throw new ProtocolException(ProtocolErrorCode.InvalidField, "'mac' must be a MAC address"); });
                app.MapGet("/result", () => Problems.Result(ProtocolErrorCode.UnknownDevice, "No such gateway."));
                app.MapGet("/offline", () => { throw new CloudApiException(ProtocolErrorCode.Offline, "The gateway is not connected."); });
                app.MapGet("/bug", () => { throw new InvalidOperationException("connection string Password=" + Secret); });
                app.MapGet("/number/{id:int}", (int id) => id);
                app.MapGet("/query", (int count) => count);
                app.MapPost("/login", (Login login) => login.Email);
                app.MapPost("/manual", async (HttpRequest request) => (await request.ReadFromJsonAsync<Login>())?.Email);
            });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_cloud_api_exception_becomes_the_problem_of_its_code()
    {
        var (response, body) = await GetProblemAsync("/api");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("https://pi-gateway.dev/errors/not_owner", body.GetProperty("type").GetString());
        Assert.Equal("Not owner", body.GetProperty("title").GetString());
        Assert.Equal(403, body.GetProperty("status").GetInt32());
        Assert.Equal("You do not own this gateway.", body.GetProperty("detail").GetString());
        Assert.Equal("not_owner", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_protocol_exception_becomes_the_problem_of_its_code_with_its_reason()
    {
        var (response, body) = await GetProblemAsync("/protocol");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_field", body.GetProperty("code").GetString());
        Assert.Equal("'mac' must be a MAC address", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_endpoint_can_return_a_problem_directly()
    {
        var (response, body) = await GetProblemAsync("/result");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_device", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_offline_gateway_is_503()
    {
        var (response, body) = await GetProblemAsync("/offline");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("offline", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Any_other_exception_is_a_500_that_says_nothing_of_it()
    {
        var response = await _host.Client.GetAsync(new Uri("/bug", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", text, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(text);
        Assert.Equal("internal", body.RootElement.GetProperty("code").GetString());
        Assert.True(body.RootElement.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task Any_other_exception_is_logged_as_an_error_with_the_exception()
    {
        await _host.Client.GetAsync(new Uri("/bug", UriKind.Relative));

        var entry = Assert.Single(_host.Log.Entries, e => e.Category.EndsWith(nameof(CloudProblemExceptionHandler), StringComparison.Ordinal) && e.Level == LogLevel.Error);
        Assert.IsType<InvalidOperationException>(entry.Exception);
        Assert.Contains("/bug", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_malformed_json_that_does_not_echo_the_body()
    {
        using var content = new StringContent("{\"email\": \"a@b.c\", \"password\": \"" + Secret + "\"", Encoding.UTF8, "application/json");

        var (response, body) = await SendProblemAsync(HttpMethod.Post, "/login", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("malformed_json", body.GetProperty("code").GetString());
        Assert.DoesNotContain(Secret, body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Login", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_of_the_wrong_shape_is_a_400_malformed_json()
    {
        using var content = new StringContent("[1, 2, 3]", Encoding.UTF8, "application/json");

        var (response, body) = await SendProblemAsync(HttpMethod.Post, "/login", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("malformed_json", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_missing_body_is_a_400()
    {
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var (response, body) = await SendProblemAsync(HttpMethod.Post, "/login", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415()
    {
        using var content = new StringContent("email=a@b.c&password=x", Encoding.UTF8, "application/x-www-form-urlencoded");

        var (response, body) = await SendProblemAsync(HttpMethod.Post, "/login", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(415, body.GetProperty("status").GetInt32());
        Assert.Equal("malformed_json", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413()
    {
        var login = new Login("a@b.c", new string('p', BodyLimit * 4));

        var (response, body) = await SendProblemAsync(HttpMethod.Post, "/login", JsonContent.Create(login));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("frame_too_large", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_a_413()
    {
        var json = "{\"email\":\"a@b.c\",\"password\":\"" + new string('p', BodyLimit * 4) + "\"}";
        using var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var (response, body) = await SendProblemAsync(HttpMethod.Post, "/login", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("frame_too_large", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_body_over_the_limit_read_by_the_endpoint_itself_is_a_413()
    {
        var login = new Login("a@b.c", new string('p', BodyLimit * 4));

        var (response, body) = await SendProblemAsync(HttpMethod.Post, "/manual", JsonContent.Create(login));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("frame_too_large", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_route_value_that_does_not_parse_is_a_404_and_a_query_value_a_400()
    {
        var route = await _host.Client.GetAsync(new Uri("/number/abc", UriKind.Relative));
        var (query, body) = await GetProblemAsync("/query?count=" + Secret);

        Assert.Equal(HttpStatusCode.NotFound, route.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, query.StatusCode);
        Assert.Equal("invalid_field", body.GetProperty("code").GetString());
        Assert.DoesNotContain(Secret, body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem_without_a_code()
    {
        var (response, body) = await GetProblemAsync("/nowhere");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, body.GetProperty("status").GetInt32());
        Assert.False(body.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        var (response, body) = await SendProblemAsync(HttpMethod.Delete, "/api", content: null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(405, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_successful_request_is_untouched()
    {
        using var content = JsonContent.Create(new Login("a@b.c", "x"));

        var response = await _host.Client.PostAsync(new Uri("/login", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("a@b.c", await response.Content.ReadAsStringAsync());
    }

    private Task<(HttpResponseMessage Response, JsonElement Body)> GetProblemAsync(string path) =>
        SendProblemAsync(HttpMethod.Get, path, content: null);

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendProblemAsync(HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        var response = await _host.Client.SendAsync(request);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response, document.RootElement.Clone());
    }

    /// <summary>Hides the length so HttpClient sends the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
