using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Pi.Cloud.Http;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using static Pi.Cloud.Tests.Api.Account_Api_Tests;

namespace Pi.Cloud.Tests.Api;

public class Sub_Device_And_Command_Tests
{
    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_registered_sub_device_reaches_the_gateway_sealed_with_its_own_keys(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        await using var gateway = new TestGateway(host, registration);
        await gateway.LoginAsync();
        await gateway.ConnectAsync();

        var added = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/subdevices", new { kind = "sensor", name = "kitchen" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AddSubDeviceResponse>();
        Assert.True(added!.Delivered);
        Assert.NotEqual(registration.AccessKey, added.AccessKey);
        Assert.NotEqual(registration.LocalKey, added.LocalKey);

        var (_, notice) = await gateway.NextAsync<SubDeviceAdded>();
        Assert.Equal(added.Did, notice.Did);
        Assert.Equal(SymmetricKey.Parse(added.LocalKey), notice.LocalKey);
        Assert.Equal(SymmetricKey.Parse(added.AccessKey), notice.AccessKey);
        Assert.Equal("sensor", notice.Kind);
        Assert.Equal("pending", (await GatewayAsync(user, registration.Tid)).SubDevices.Single().State);

        await gateway.SendAsync(new Ack(notice.Txn));
        await AssertStateAsync(user, registration.Tid, added.Did, "active");

        // relayed telemetry, tagged with the did in the envelope header
        await gateway.SendAsync(new SessionRequest("tm-1", "telemetry", added.Did, JsonDocument.Parse("{\"temperature\":21.5}").RootElement), added.Did);
        var (header, ok) = await gateway.NextAsync<SessionResponse>();
        Assert.True(ok.Ok);
        Assert.Equal(added.Did, header.Did);
        var view = (await GatewayAsync(user, registration.Tid)).SubDevices.Single();
        Assert.Equal(21.5, view.LastTelemetry!.Value.GetProperty("temperature").GetDouble());
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Changes_made_while_the_gateway_was_offline_are_delivered_when_it_connects(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        var added = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/subdevices", new { kind = "switch" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AddSubDeviceResponse>();
        Assert.False(added!.Delivered);

        await using var gateway = new TestGateway(host, registration);
        await gateway.LoginAsync();
        await gateway.ConnectAsync();
        var (_, notice) = await gateway.NextAsync<SubDeviceAdded>();
        Assert.Equal(added.Did, notice.Did);
        await gateway.SendAsync(new Ack(notice.Txn));
        await AssertStateAsync(user, registration.Tid, added.Did, "active");

        var removed = await (await user.Client.DeleteAsync($"/api/gateways/{registration.Tid}/subdevices/{added.Did}"))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<RemoveSubDeviceResponse>();
        Assert.True(removed!.Delivered);
        var (_, removal) = await gateway.NextAsync<SubDeviceRemoved>();
        Assert.Equal(added.Did, removal.Did);
        Assert.Empty((await GatewayAsync(user, registration.Tid)).SubDevices);

        // traffic for a removed sub-device is refused
        await gateway.SendAsync(new SessionRequest("tm-2", "telemetry", added.Did), added.Did);
        var (_, refused) = await gateway.NextAsync<SessionError>();
        Assert.Equal(ProtocolErrorCode.UnknownDevice, refused.Code);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Commands_reach_the_gateway_and_its_sub_devices_and_return_the_reply(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();
        var sub = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/subdevices", new { kind = "switch" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AddSubDeviceResponse>();
        await using var gateway = new TestGateway(host, registration);
        await gateway.LoginAsync();
        await gateway.ConnectAsync();
        using var stop = new CancellationTokenSource();
        var answering = gateway.AnswerRequestsAsync((header, request) => new SessionResponse(
            request.Txn, true, JsonDocument.Parse($"{{\"to\":\"{header.Did ?? "gateway"}\",\"command\":\"{request.Command}\"}}").RootElement), stop.Token);

        var toGateway = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/commands", new { command = "reboot" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandResponse>();
        Assert.True(toGateway!.Ok);
        Assert.Equal("gateway", toGateway.Result!.Value.GetProperty("to").GetString());

        var toSub = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/commands", new { command = "switch.set", did = sub!.Did, args = new { on = true } }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CommandResponse>();
        Assert.Equal(sub.Did, toSub!.Result!.Value.GetProperty("to").GetString());

        await AssertProblemAsync(await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/commands", new { command = "x", did = "sd-nope" }), HttpStatusCode.NotFound, "unknown_device");
        var other = await host.NewUserAsync();
        await AssertProblemAsync(await other.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/commands", new { command = "reboot" }), HttpStatusCode.Forbidden, "not_owner");
        await stop.CancelAsync();
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Silence_is_a_timeout_and_absence_is_offline(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        var user = await host.NewUserAsync();
        var registration = await user.RegisterAndBindAsync();

        var offline = await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/commands", new { command = "reboot" });
        var problem = await AssertProblemAsync(offline, (HttpStatusCode)Pi.Cloud.Http.Problems.StatusOf(ProtocolErrorCode.Offline), "offline");

        await using var gateway = new TestGateway(host, registration);
        await gateway.LoginAsync();
        await gateway.ConnectAsync();
        var silent = await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/commands", new { command = "reboot", timeoutMs = 300 });
        await AssertProblemAsync(silent, (HttpStatusCode)Pi.Cloud.Http.Problems.StatusOf(ProtocolErrorCode.Timeout), "timeout");
        Assert.IsType<SessionRequest>((await gateway.NextAsync()).Message);
    }

    internal static async Task<GatewayView> GatewayAsync(AppUser user, string tid) =>
        (await user.Client.GetFromJsonAsync<GatewayView>($"/api/gateways/{tid}"))!;

    /// <summary>
    /// The embedded broker handles a publish before it acknowledges it, so once the gateway's QoS 1
    /// ack has been acknowledged the cloud has recorded it: no waiting is needed.
    /// </summary>
    internal static async Task AssertStateAsync(AppUser user, string tid, string did, string state) =>
        Assert.Equal(state, (await GatewayAsync(user, tid)).SubDevices.SingleOrDefault(s => s.Did == did)?.State);
}
