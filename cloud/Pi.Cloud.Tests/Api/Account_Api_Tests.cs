using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pi.Cloud.Http;

namespace Pi.Cloud.Tests.Api;

public class Account_Api_Tests
{
    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Login_returns_a_bearer_token_and_a_fresh_nonce_each_time(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        using var client = host.CreateClient();
        var again = await (await client.PostAsJsonAsync("/api/sessions", new { email = user.Email, password = "correct horse battery" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AppLoginResponse>();

        Assert.Equal(16, user.Nonce.Length);
        Assert.Equal(16, again!.Nonce.Length);
        Assert.NotEqual(user.Nonce, again.Nonce);
        Assert.Equal("Bearer", again.TokenType);
        (await user.Client.GetAsync("/api/gateways")).EnsureSuccessStatusCode();
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Bad_credentials_taken_emails_and_missing_tokens_get_problems(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        using var client = host.CreateClient();

        var taken = await client.PostAsJsonAsync("/api/accounts", new { email = user.Email.ToUpperInvariant(), password = "another password" });
        await AssertProblemAsync(taken, HttpStatusCode.Conflict, "invalid_field");

        var wrong = await client.PostAsJsonAsync("/api/sessions", new { email = user.Email, password = "wrong password!" });
        await AssertProblemAsync(wrong, HttpStatusCode.Unauthorized, "bad_credentials");

        var nobody = await client.PostAsJsonAsync("/api/sessions", new { email = "nobody@example.test", password = "wrong password!" });
        await AssertProblemAsync(nobody, HttpStatusCode.Unauthorized, "bad_credentials");

        var anonymous = await client.GetAsync("/api/gateways");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token-that-exists-anywhere");
        await AssertProblemAsync(await client.GetAsync("/api/gateways"), HttpStatusCode.Unauthorized, "session_expired");
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Logout_ends_the_token(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        (await user.Client.DeleteAsync("/api/sessions/current")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/gateways")).StatusCode);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Hostile_bodies_get_problems_and_change_nothing(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        using var client = host.CreateClient();

        var malformed = await client.PostAsync("/api/accounts", new StringContent("{\"email\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);

        var wrongType = await client.PostAsync("/api/accounts", new StringContent("email=a@b.c", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);

        // Expect: 100-continue lets the server refuse before the body is sent, as a careful client
        // would; otherwise the 413 races the upload and the client may see a broken pipe instead.
        var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/api/accounts")
        {
            Content = new StringContent("{\"email\":\"" + new string('a', 300_000) + "\"}", Encoding.UTF8, "application/json"),
        };
        tooLarge.Headers.ExpectContinue = true;
        var huge = await client.SendAsync(tooLarge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        var missing = await client.PostAsJsonAsync("/api/accounts", new { email = "someone@example.test" });
        await AssertProblemAsync(missing, HttpStatusCode.BadRequest, "missing_field");

        var weak = await client.PostAsJsonAsync("/api/accounts", new { email = "someone@example.test", password = "short" });
        await AssertProblemAsync(weak, HttpStatusCode.BadRequest, "invalid_field");

        Assert.Null(await host.Store.FindUserByEmailAsync("someone@example.test", default));
        // and the host keeps serving
        await host.NewUserAsync();
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
