using System.Net;
using System.Net.Http.Json;
using Pi.Cloud.Http;
using Pi.Cloud.Store;
using Pi.Protocol.Crypto;
using static Pi.Cloud.Tests.Api.Account_Api_Tests;

namespace Pi.Cloud.Tests.Api;

public class Registration_And_Binding_Tests
{
    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Registration_issues_an_account_and_a_first_key_pair(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAsync(AppUser.NewDevice());

        Assert.StartsWith("gw-", registration.Tid, StringComparison.Ordinal);
        Assert.True(registration.Password.Length >= 16);
        Assert.NotEqual(registration.AccessKey, registration.LocalKey);
        Assert.Equal(16, Convert.FromBase64String(registration.AccessKey).Length);
        Assert.False(registration.Reregistered);
        Assert.InRange((registration.KeyExpiresAt - DateTimeOffset.UtcNow).TotalDays, 364, 366);
        Assert.InRange((registration.ServiceExpiresAt - DateTimeOffset.UtcNow).TotalDays, 729, 731);
        Assert.Equal(host.Urls.PublicUrl, registration.CloudUrl);

        await using var gateway = new TestGateway(host, registration);
        await gateway.LoginAsync();
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Re_registration_issues_new_keys_and_the_old_ones_stop_working(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var device = AppUser.NewDevice();
        var first = await user.RegisterAsync(device);
        await using var old = new TestGateway(host, first);
        await old.LoginAsync();
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, await old.ConnectAsync());

        var second = await user.RegisterAsync(device, sendCode: false);

        Assert.Equal(first.Tid, second.Tid);
        Assert.True(second.Reregistered);
        Assert.NotEqual(first.AccessKey, second.AccessKey);
        Assert.NotEqual(first.LocalKey, second.LocalKey);
        Assert.NotEqual(first.Password, second.Password);
        var refused = await Assert.ThrowsAsync<LoginRefusedException>(old.LoginAsync);
        Assert.Equal(401, refused.Status);
        Assert.Contains("bad_credentials", refused.Problem, StringComparison.Ordinal);
        await using var renewed = new TestGateway(host, second);
        await renewed.LoginAsync();
        // the session under the old keys ended: its connection is gone and its token refused
        await old.WaitDisconnectedAsync();
        Assert.NotEqual(MQTTnet.MqttClientConnectResultCode.Success, await old.ConnectAsync());
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Import_mode_needs_a_factory_record_and_checks_the_hash(string store)
    {
        await using var host = await CloudHost.StartAsync(store, new Dictionary<string, string?> { ["Cloud:Verification"] = "Import" });
        var user = await host.NewUserAsync();
        var device = AppUser.NewDevice();

        var unknown = await user.Client.PostAsJsonAsync("/api/gateways", new { mac = device.Mac, uuid = device.Uuid, sn = device.Sn, hash = BindingHash.Compute(device.Code, user.Nonce), verificationCode = device.Code });
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "unknown_device");

        await host.Store.ImportFactoryRecordsAsync([new FactoryRecord(device.Mac, device.Uuid, device.Sn, device.Code, "import", DateTimeOffset.UtcNow)], default);
        var badHash = await user.Client.PostAsJsonAsync("/api/gateways", new { mac = device.Mac, uuid = device.Uuid, sn = device.Sn, hash = BindingHash.Compute("another code", user.Nonce) });
        await AssertProblemAsync(badHash, HttpStatusCode.Forbidden, "bad_hash");
        Assert.Null(await host.Store.FindGatewayByMacAsync(device.Mac, default));

        var registration = await user.RegisterAsync(device, sendCode: false);
        Assert.NotNull(await host.Store.FindGatewayAsync(registration.Tid, default));
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_hash_over_another_logins_nonce_is_refused(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var device = AppUser.NewDevice();
        var registration = await user.RegisterAsync(device);
        var other = await host.NewUserAsync();

        // the hash the device computed for `other`'s nonce, presented under `user`'s login
        var response = await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/bind", new { hash = BindingHash.Compute(device.Code, other.Nonce) });
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "bad_hash");
        Assert.Null(await host.Store.FindOwnerAsync(registration.Tid, default));
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Bind_makes_the_first_caller_owner_and_answers_already_bound_to_others(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var device = AppUser.NewDevice();
        var registration = await user.RegisterAsync(device);

        var bound = await (await user.BindAsync(registration.Tid, device.Code)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<BindResponse>();
        Assert.False(bound!.AlreadyOwner);
        var again = await (await user.BindAsync(registration.Tid, device.Code)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<BindResponse>();
        Assert.True(again!.AlreadyOwner);

        var other = await host.NewUserAsync();
        await AssertProblemAsync(await other.BindAsync(registration.Tid, device.Code), HttpStatusCode.Conflict, "already_bound");
        await AssertProblemAsync(await other.BindAsync("gw-unknown", device.Code), HttpStatusCode.NotFound, "unknown_device");
        await AssertProblemAsync(await other.Client.GetAsync($"/api/gateways/{registration.Tid}"), HttpStatusCode.Forbidden, "not_owner");
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Concurrent_binds_of_one_gateway_give_exactly_one_owner(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var registrar = await host.NewUserAsync();
        var device = AppUser.NewDevice();
        var registration = await registrar.RegisterAsync(device);
        var users = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => host.NewUserAsync()));

        var responses = await Task.WhenAll(users.Select(u => u.BindAsync(registration.Tid, device.Code)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(11, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var winner = users[Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.OK)];
        var list = await winner.Client.GetFromJsonAsync<List<GatewayView>>("/api/gateways");
        Assert.Equal(registration.Tid, Assert.Single(list!).Tid);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Registration_refuses_bad_input_with_problems(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var device = AppUser.NewDevice();
        var hash = BindingHash.Compute(device.Code, user.Nonce);

        await AssertProblemAsync(await user.Client.PostAsJsonAsync("/api/gateways", new { uuid = device.Uuid, sn = device.Sn, hash }), HttpStatusCode.BadRequest, "missing_field");
        await AssertProblemAsync(await user.Client.PostAsJsonAsync("/api/gateways", new { mac = "zz:zz", uuid = device.Uuid, sn = device.Sn, hash }), HttpStatusCode.BadRequest, "invalid_field");
        await AssertProblemAsync(await user.Client.PostAsJsonAsync("/api/gateways", new { mac = device.Mac, uuid = "nope", sn = device.Sn, hash }), HttpStatusCode.BadRequest, "invalid_field");
        await AssertProblemAsync(await user.Client.PostAsJsonAsync("/api/gateways", new { mac = device.Mac, uuid = device.Uuid, sn = device.Sn, hash = "abc" }), HttpStatusCode.BadRequest, "invalid_field");
        await AssertProblemAsync(await user.Client.PostAsJsonAsync("/api/gateways", new { mac = device.Mac, uuid = device.Uuid, sn = device.Sn, hash }), HttpStatusCode.BadRequest, "missing_field");
        Assert.Null(await host.Store.FindGatewayByMacAsync(device.Mac, default));
    }
}
