using System.Net.Http.Json;
using Pi.Cloud.Http;
using Pi.Cloud.Testing;
using Pi.Gateway.Cloud;
using Pi.Gateway.Core;

namespace Pi.Gateway.Tests.Cloud;

/// <summary>The gateway's login, session channel, key rotation, sub-device keys, reset-unbind and logout against the real cloud host.</summary>
public class Cloud_Client_Tests
{
    public static TheoryData<string> Stores => new() { "sqlite", "postgres" };

    [Theory, MemberData(nameof(Stores))]
    public async Task Logs_in_holds_the_session_and_answers_the_clouds_commands(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        await using var gateway = new GatewayUnderTest(host, await user.RegisterAndBindAsync());

        var first = await gateway.OnlineAsync();
        Assert.StartsWith("mqtts://127.0.0.1:", first.MqttUrl, StringComparison.Ordinal);
        await AssertOnlineAsync(user, gateway.Tid);
        var reply = await (await user.Client.PostAsJsonAsync($"/api/gateways/{gateway.Tid}/commands", new { command = "ping" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandResponse>();
        Assert.True(reply!.Ok);
        var unknown = await (await user.Client.PostAsJsonAsync($"/api/gateways/{gateway.Tid}/commands", new { command = "dance" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandResponse>();
        Assert.Equal("unknown_command", unknown!.ErrorCode);

        // every login gets a new sessionkey
        var second = await gateway.Client.LogInAsync(default);
        Assert.NotEqual(first.SessionKey, second.Reply!.SessionKey);
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task A_session_ended_by_a_newer_login_is_lost_and_refused_until_the_gateway_logs_in_again(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new GatewayUnderTest(host, registration);
        await gateway.OnlineAsync();
        await using var twin = new GatewayUnderTest(host, registration);

        Assert.True((await twin.Client.LogInAsync(default)).Succeeded);
        await gateway.NextEventAsync(CloudEventKind.SessionLost);
        var (connected, failure, _) = await gateway.Client.ConnectAsync(default);
        Assert.False(connected);
        Assert.Equal(ConnectFailureKind.Refused, failure);
        await gateway.OnlineAsync();
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task Sub_device_keys_pushed_by_the_cloud_are_stored_and_acknowledged(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        await using var gateway = new GatewayUnderTest(host, await user.RegisterAndBindAsync());
        await gateway.OnlineAsync();

        var added = await (await user.Client.PostAsJsonAsync($"/api/gateways/{gateway.Tid}/subdevices", new { kind = "sensor" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AddSubDeviceResponse>();
        await gateway.NextEventAsync(CloudEventKind.SubDevicesChanged);
        var stored = Assert.Single(gateway.Store.SubDevices);
        Assert.Equal(added!.Did, stored.Did);
        Assert.Equal(Pi.Protocol.Crypto.SymmetricKey.Parse(added.LocalKey), stored.LocalKey);
        Assert.Equal("active", (await user.Client.GetFromJsonAsync<GatewayView>($"/api/gateways/{gateway.Tid}"))!.SubDevices.Single().State);

        (await user.Client.DeleteAsync($"/api/gateways/{gateway.Tid}/subdevices/{added.Did}")).EnsureSuccessStatusCode();
        await gateway.NextEventAsync(CloudEventKind.SubDevicesChanged);
        Assert.Empty(gateway.Store.SubDevices);
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task A_rotated_key_pair_is_stored_acknowledged_and_used_from_the_next_login(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new GatewayUnderTest(host, registration);
        await gateway.OnlineAsync();

        var rotation = await (await user.Client.PostAsync($"/api/gateways/{gateway.Tid}/rotate-keys", null))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<KeyRotationResponse>();
        await gateway.NextEventAsync(CloudEventKind.KeysRotated);
        Assert.Equal(rotation!.KeyId, gateway.Store.Registration!.KeyId);
        Assert.Null(gateway.Store.Registration.PendingKeys);
        Assert.Contains(gateway.Store.SavedRegistrations, r => r.PendingKeys?.KeyId == rotation.KeyId); // stored before the ack
        Assert.False((await user.Client.GetFromJsonAsync<GatewayView>($"/api/gateways/{gateway.Tid}"))!.KeyRotationPending);

        Assert.True((await gateway.Client.LogInAsync(default)).Succeeded);
        await using var stale = new GatewayUnderTest(host, registration);
        var refused = await stale.Client.LogInAsync(default);
        Assert.Equal(LoginFailureKind.BadCredentials, refused.Failure);
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task Pending_keys_left_by_a_crash_before_the_ack_still_log_in(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new GatewayUnderTest(host, registration);
        var rotation = await (await user.Client.PostAsync($"/api/gateways/{gateway.Tid}/rotate-keys", null))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<KeyRotationResponse>();

        // what a crash between storing the pushed pair and acknowledging it leaves on disk
        await using var pusher = new GatewayUnderTest(host, registration);
        await pusher.OnlineAsync();
        await pusher.NextEventAsync(CloudEventKind.KeysRotated);
        var pushed = pusher.Store.SavedRegistrations.First(r => r.PendingKeys is not null).PendingKeys!;
        gateway.Store.Registration = gateway.Store.Registration! with { PendingKeys = pushed };

        var attempt = await gateway.Client.LogInAsync(default);
        Assert.True(attempt.Succeeded, attempt.Detail);
        Assert.True(attempt.UsedPendingKeys);
        Assert.Equal(rotation!.KeyId, gateway.Store.Registration!.KeyId);
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task Reset_unbind_is_answered_and_ends_the_session(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        await using var gateway = new GatewayUnderTest(host, await user.RegisterAndBindAsync());
        await gateway.OnlineAsync();

        var result = await gateway.Client.ResetUnbindAsync(TimeSpan.FromSeconds(10), default);

        Assert.Equal(1, result!.RemovedBindings);
        Assert.False(gateway.Client.IsConnected);
        Assert.Empty((await user.Client.GetFromJsonAsync<List<GatewayView>>("/api/gateways"))!);
        Assert.Null(await gateway.Client.ResetUnbindAsync(TimeSpan.FromSeconds(1), default)); // offline: the reset goes on
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task Logout_invalidates_the_session_at_once(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new GatewayUnderTest(host, registration);
        var session = await gateway.OnlineAsync();

        await gateway.Client.LogOutAsync(default);

        Assert.False(gateway.Client.IsConnected);
        using var crypto = new SessionCrypto(gateway.Tid, session);
        var (channel, failure, _) = await CloudSessionChannel.ConnectAsync(
            gateway.Tid, session, crypto, new CloudTrust([Convert.ToHexString(host.CertificateHash!)]), new CloudClientOptions(), (_, _) => Task.CompletedTask,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, default);
        Assert.Null(channel);
        Assert.Equal(ConnectFailureKind.Refused, failure);
    }

    [Fact]
    public async Task A_reconnect_under_the_same_session_goes_on_with_its_counters()
    {
        // Restarting the up counters under the same sessionkey would reuse AES-GCM nonces, and the
        // cloud's replay window would drop every packet: the ping's answer would never arrive.
        await using var host = await CloudHost.StartAsync("sqlite");
        var user = await host.NewUserAsync();
        await using var gateway = new GatewayUnderTest(host, await user.RegisterAndBindAsync());
        await gateway.OnlineAsync();
        for (var round = 0; round < 3; round++)
        {
            var reply = await (await user.Client.PostAsJsonAsync($"/api/gateways/{gateway.Tid}/commands", new { command = "ping", timeoutMs = 5000 }))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandResponse>();
            Assert.True(reply!.Ok, $"round {round}: {reply.ErrorCode}");
            await gateway.Client.DisconnectAsync();
            var (connected, _, detail) = await gateway.Client.ConnectAsync(default);
            Assert.True(connected, detail);
            await AssertOnlineAsync(user, gateway.Tid);
        }
    }

    [Theory, MemberData(nameof(Stores))]
    public async Task Refusals_are_told_apart(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();

        await using var untrusting = new GatewayUnderTest(host, registration, pin: false);
        Assert.Equal(LoginFailureKind.Transient, (await untrusting.Client.LogInAsync(default)).Failure); // the dev certificate is not trusted

        await using var wrong = new GatewayUnderTest(host, registration with { Password = "not the password at all!" });
        Assert.Equal(LoginFailureKind.BadCredentials, (await wrong.Client.LogInAsync(default)).Failure);

        await using var nowhere = new GatewayUnderTest(host, registration with { CloudUrl = "https://127.0.0.1:1/" });
        Assert.Equal(LoginFailureKind.Transient, (await nowhere.Client.LogInAsync(default)).Failure);
    }

    // The cloud's embedded broker handles a publish before it acknowledges it, and the client
    // raises its events after its QoS 1 publishes were acknowledged: what the cloud records is
    // visible at once, no waiting needed.
    private static async Task AssertOnlineAsync(AppUser user, string tid) =>
        Assert.True((await user.Client.GetFromJsonAsync<GatewayView>($"/api/gateways/{tid}"))!.Online);
}
