using System.Net.Http.Json;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using Pi.Protocol.Crypto;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;
using static Pi.Cloud.Tests.Api.Account_Api_Tests;

namespace Pi.Cloud.Tests.Api;

public class Gateway_Login_Tests
{
    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Every_login_gets_a_new_sessionkey_and_ends_the_older_session(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new TestGateway(host, registration);

        var first = await gateway.LoginAsync();
        Assert.Equal(MqttClientConnectResultCode.Success, await gateway.ConnectAsync());
        var firstToken = first.SessionToken.Reveal();
        var stale = gateway.Seal(new SessionRequest("t-1", "heartbeat"));

        var second = await gateway.LoginAsync();

        Assert.NotEqual(first.SessionKey, second.SessionKey);
        Assert.NotEqual(first.SessionKeyId, second.SessionKeyId);
        Assert.StartsWith("mqtts://127.0.0.1:", second.MqttUrl, StringComparison.Ordinal);
        await gateway.WaitDisconnectedAsync();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await gateway.ConnectAsync(password: firstToken));
        Assert.Equal(MqttClientConnectResultCode.Success, await gateway.ConnectAsync());
        // a packet sealed under the older session's key is refused, never answered
        await gateway.PublishRawAsync(Pi.Protocol.Topics.Topics.GatewayUp(gateway.Tid), stale);
        await gateway.SendAsync(new SessionRequest("t-2", "heartbeat"));
        var (_, answer) = await gateway.NextAsync<SessionResponse>();
        Assert.Equal("t-2", answer.Txn);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Unknown_tid_and_wrong_password_get_the_same_answer(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAsync(AppUser.NewDevice());
        await using var wrongPassword = new TestGateway(host, registration) { Password = "this is not the password" };
        await using var unknown = new TestGateway(host, registration with { Tid = "gw-does-not-exist" });

        var a = await Assert.ThrowsAsync<LoginRefusedException>(wrongPassword.LoginAsync);
        var b = await Assert.ThrowsAsync<LoginRefusedException>(unknown.LoginAsync);

        Assert.Equal(401, a.Status);
        Assert.Equal(a.Status, b.Status);
        Assert.Contains("\"code\":\"bad_credentials\"", a.Problem, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"bad_credentials\"", b.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(registration.Password, a.Problem, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_captured_login_cannot_be_replayed_nor_answer_a_foreign_challenge(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAsync(AppUser.NewDevice());
        var other = await user.RegisterAsync(AppUser.NewDevice());
        await using var gateway = new TestGateway(host, registration);
        await using var otherGateway = new TestGateway(host, other);

        var challenge = await gateway.GetChallengeAsync();
        using var login = new GatewayLogin(gateway.Tid, new SecretString(registration.Password), gateway.AccessKey, gateway.KeyId, challenge);
        var captured = login.SealRequest();
        (await gateway.PostLoginAsync(captured, challenge.Challenge)).EnsureSuccessStatusCode();

        await AssertProblemAsync(await gateway.PostLoginAsync(captured, challenge.Challenge), HttpStatusCode.Unauthorized, "session_expired");

        // a challenge issued to another tid does not open this tid's login
        var foreign = await otherGateway.GetChallengeAsync();
        using var misuse = new GatewayLogin(gateway.Tid, new SecretString(registration.Password), gateway.AccessKey, gateway.KeyId, foreign with { Tid = gateway.Tid });
        await AssertProblemAsync(await gateway.PostLoginAsync(misuse.SealRequest(), foreign.Challenge), HttpStatusCode.Unauthorized, "session_expired");
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Tampered_oversized_and_malformed_logins_get_problems(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAsync(AppUser.NewDevice());
        await using var gateway = new TestGateway(host, registration);

        var challenge = await gateway.GetChallengeAsync();
        using (var login = new GatewayLogin(gateway.Tid, new SecretString(registration.Password), gateway.AccessKey, gateway.KeyId, challenge))
        {
            var tampered = login.SealRequest();
            tampered[^3] ^= 0x40;
            await AssertProblemAsync(await gateway.PostLoginAsync(tampered, challenge.Challenge), HttpStatusCode.Unauthorized, "bad_credentials");
        }
        await AssertProblemAsync(await gateway.PostLoginAsync(new byte[CloudLogin.MaxLoginEnvelopeSize + 1], new byte[16]), HttpStatusCode.RequestEntityTooLarge, "frame_too_large");
        await AssertProblemAsync(await gateway.PostLoginAsync("PE"u8.ToArray(), new byte[16]), HttpStatusCode.BadRequest, "truncated");

        using var http = host.CreateClient();
        var noHeader = new ByteArrayContent([1, 2, 3]);
        noHeader.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        await AssertProblemAsync(await http.PostAsync("/api/gateway/login", noHeader), HttpStatusCode.BadRequest, "missing_field");
        var json = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/gateway/login") { Content = json };
        request.Headers.Add(Pi.Cloud.Http.GatewayApi.ChallengeHeader, Convert.ToBase64String(new byte[16]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await http.SendAsync(request)).StatusCode);
        var badTid = await http.PostAsJsonAsync("/api/gateway/login/challenge", new { tid = "not a tid!" });
        await AssertProblemAsync(badTid, HttpStatusCode.BadRequest, "invalid_id");

        // and the gateway still logs in
        await gateway.LoginAsync();
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Expired_challenges_and_keys_are_refused(string store)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await CloudHost.StartAsync(store, new Dictionary<string, string?>
        {
            ["Cloud:Keys:KeyValidityDays"] = "10",
            ["Cloud:Keys:ServiceValidityDays"] = "20",
        }, time);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAsync(AppUser.NewDevice());
        await using var gateway = new TestGateway(host, registration);

        var challenge = await gateway.GetChallengeAsync();
        time.Advance(TimeSpan.FromSeconds(61));
        using (var late = new GatewayLogin(gateway.Tid, new SecretString(registration.Password), gateway.AccessKey, gateway.KeyId, challenge))
        {
            await AssertProblemAsync(await gateway.PostLoginAsync(late.SealRequest(), challenge.Challenge), HttpStatusCode.Unauthorized, "session_expired");
        }

        time.Advance(TimeSpan.FromDays(11));
        var keyExpired = await Assert.ThrowsAsync<LoginRefusedException>(gateway.LoginAsync);
        Assert.Contains("\"code\":\"key_expired\"", keyExpired.Problem, StringComparison.Ordinal);

        Assert.Equal(403, keyExpired.Status);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Service_expiry_is_its_own_error(string store)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await CloudHost.StartAsync(store, new Dictionary<string, string?>
        {
            ["Cloud:Keys:KeyValidityDays"] = "30",
            ["Cloud:Keys:ServiceValidityDays"] = "20",
        }, time);
        var user = await host.NewUserAsync();
        await using var gateway = new TestGateway(host, await user.RegisterAsync(AppUser.NewDevice()));
        time.Advance(TimeSpan.FromDays(21));
        var refused = await Assert.ThrowsAsync<LoginRefusedException>(gateway.LoginAsync);
        Assert.Equal(403, refused.Status);
        Assert.Contains("\"code\":\"service_expired\"", refused.Problem, StringComparison.Ordinal);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Failed_logins_are_throttled_per_tid(string store)
    {
        await using var host = await CloudHost.StartAsync(store, new Dictionary<string, string?> { ["Cloud:Login:MaxFailures"] = "3" });
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAsync(AppUser.NewDevice());
        await using var attacker = new TestGateway(host, registration) { Password = "guess guess guess" };
        for (var i = 0; i < 3; i++)
        {
            var refused = await Assert.ThrowsAsync<LoginRefusedException>(attacker.LoginAsync);
            Assert.Equal(401, refused.Status);
        }

        // even the right password waits now, and the answer says for how long
        await using var gateway = new TestGateway(host, registration);
        var challenge = await Assert.ThrowsAsync<HttpRequestException>(gateway.GetChallengeAsync);
        Assert.Equal(HttpStatusCode.TooManyRequests, challenge.StatusCode);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Failed_logins_are_throttled_per_source_address_across_tids(string store)
    {
        await using var host = await CloudHost.StartAsync(store, new Dictionary<string, string?> { ["Cloud:Login:MaxFailures"] = "4" });
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAsync(AppUser.NewDevice());
        for (var i = 0; i < 4; i++)
        {
            await using var guess = new TestGateway(host, registration with { Tid = $"gw-guess-{i}" });
            Assert.Equal(401, (await Assert.ThrowsAsync<LoginRefusedException>(guess.LoginAsync)).Status);
        }

        // this address is now refused for every tid, before any work is done
        await using var gateway = new TestGateway(host, registration);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(gateway.GetChallengeAsync);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Logout_invalidates_the_sessionkey_at_once(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        await using var gateway = new TestGateway(host, await user.RegisterAndBindAsync());
        var session = await gateway.LoginAsync();
        Assert.Equal(MqttClientConnectResultCode.Success, await gateway.ConnectAsync());

        await gateway.SendAsync(new Logout("bye-1"));
        var (_, ack) = await gateway.NextAsync<Ack>();
        Assert.Equal("bye-1", ack.Txn);

        await gateway.WaitDisconnectedAsync();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await gateway.ConnectAsync(password: session.SessionToken.Reveal()));
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Logout_over_https_works_when_mqtt_is_down(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        await using var gateway = new TestGateway(host, await user.RegisterAndBindAsync());
        var session = await gateway.LoginAsync();
        using var http = host.CreateClient();
        var content = new ByteArrayContent(gateway.Seal(new Logout("bye-2")));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("/api/gateway/logout", content)).StatusCode);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await gateway.ConnectAsync(password: session.SessionToken.Reveal()));
        var replay = new ByteArrayContent(gateway.Seal(new Logout("bye-3")));
        replay.Headers.ContentType = content.Headers.ContentType;
        await AssertProblemAsync(await http.PostAsync("/api/gateway/logout", replay), HttpStatusCode.Unauthorized, "session_expired");
    }
}
