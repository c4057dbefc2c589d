using System.Net;
using System.Net.Http.Json;
using MQTTnet;
using Pi.Cloud.Http;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Cloud.Tests.Api;

public class Reset_Unbind_And_Key_Rotation_Tests
{
    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Reset_unbind_removes_every_binding_replies_and_ends_the_session(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var device = AppUser.NewDevice();
        var registration = await user.RegisterAsync(device);
        (await user.BindAsync(registration.Tid, device.Code)).EnsureSuccessStatusCode();
        for (var i = 0; i < 2; i++)
        {
            (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/subdevices", new { kind = "sensor" })).EnsureSuccessStatusCode();
        }
        await using var gateway = new TestGateway(host, registration);
        var session = await gateway.LoginAsync();
        await gateway.ConnectAsync();

        await gateway.SendAsync(new ResetUnbind("reset-1"));
        var (_, result) = await gateway.NextAsync<ResetUnbindResult>();

        Assert.Equal("reset-1", result.Txn);
        Assert.Equal(3, result.RemovedBindings); // the gateway and its two sub-devices
        await gateway.WaitDisconnectedAsync();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await gateway.ConnectAsync(password: session.SessionToken.Reveal()));
        Assert.Empty((await user.Client.GetFromJsonAsync<List<GatewayView>>("/api/gateways"))!);

        // after the reset, another user can register the device again and become its owner
        var next = await host.NewUserAsync();
        var again = await next.RegisterAsync(device, sendCode: false);
        Assert.Equal(registration.Tid, again.Tid);
        Assert.Equal(HttpStatusCode.OK, (await next.BindAsync(again.Tid, device.Code)).StatusCode);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Rotated_keys_take_over_at_the_acknowledgement_and_the_old_ones_never_work_again(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new TestGateway(host, registration);
        await gateway.LoginAsync();
        await gateway.ConnectAsync();

        var rotation = await (await user.Client.PostAsync($"/api/gateways/{registration.Tid}/rotate-keys", null))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<KeyRotationResponse>();
        Assert.True(rotation!.Delivered);
        var (_, push) = await gateway.NextAsync<KeyRotation>();
        Assert.Equal(rotation.KeyId, push.KeyId);
        Assert.NotEqual(SymmetricKey.Parse(registration.AccessKey), push.AccessKey);
        Assert.True((await Sub_Device_And_Command_Tests.GatewayAsync(user, registration.Tid)).KeyRotationPending);

        // until the acknowledgement, the old pair still logs in
        await using (var stillOld = new TestGateway(host, registration))
        {
            await stillOld.LoginAsync();
        }
        await gateway.LoginAsync();
        await gateway.ConnectAsync();
        // the rotation is pushed again to the new session, then acknowledged
        var (_, again) = await gateway.NextAsync<KeyRotation>();
        await gateway.SendAsync(new KeyRotationAck(again.Txn, again.KeyId)); // handled before its PUBACK
        Assert.False((await Sub_Device_And_Command_Tests.GatewayAsync(user, registration.Tid)).KeyRotationPending);

        await using var old = new TestGateway(host, registration);
        var refused = await Assert.ThrowsAsync<LoginRefusedException>(old.LoginAsync);
        Assert.Contains("\"code\":\"bad_credentials\"", refused.Problem, StringComparison.Ordinal);
        await using var rotated = new TestGateway(host, registration) { AccessKey = push.AccessKey, KeyId = push.KeyId };
        await rotated.LoginAsync();
        Assert.Equal(rotation.KeyId, (await Sub_Device_And_Command_Tests.GatewayAsync(user, registration.Tid)).KeyId);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_login_under_the_pending_pair_completes_a_rotation_whose_ack_was_lost(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        var rotation = await (await user.Client.PostAsync($"/api/gateways/{registration.Tid}/rotate-keys", null))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<KeyRotationResponse>();
        Assert.False(rotation!.Delivered);
        await using var gateway = new TestGateway(host, registration);
        await gateway.LoginAsync();
        await gateway.ConnectAsync();
        var (_, push) = await gateway.NextAsync<KeyRotation>();

        await using var rotated = new TestGateway(host, registration) { AccessKey = push.AccessKey, KeyId = push.KeyId };
        await rotated.LoginAsync();

        await using var old = new TestGateway(host, registration);
        await Assert.ThrowsAsync<LoginRefusedException>(old.LoginAsync);
    }
}
