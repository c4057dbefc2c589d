using Pi.Protocol.Errors;
using Pi.Protocol.Messages;
using Pi.SubDevice.Emulation;

namespace Pi.SubDevice.Tests;

public class Switch_Command_Tests
{
    [Fact]
    public async Task Switch_set_is_answered_with_the_same_txn_and_the_change_is_reported_as_telemetry()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-switch");
        var @switch = new SwitchEmulator(device.Client);

        await gateway.SendCommandAsync("sd-switch", new SessionRequest("t-0001", "switch.set", "sd-switch", Telemetry.Json("{\"on\":true}")));

        var response = (SessionResponse)(await gateway.Up.WaitAsync(p => p.Message is SessionResponse)).Message;
        Assert.Equal("t-0001", response.Txn);
        Assert.True(response.Ok);
        Assert.True(response.Result!.Value.GetProperty("on").GetBoolean());
        var report = (SessionRequest)(await gateway.Up.WaitAsync(p => p.Message is SessionRequest { Command: "telemetry" })).Message;
        Assert.True(report.Args!.Value.GetProperty("on").GetBoolean());
        Assert.True(@switch.IsOn);
        // The answer went up before the report.
        var order = gateway.Up.Snapshot().Select(p => p.Message.GetType()).ToList();
        Assert.Equal([typeof(SessionResponse), typeof(SessionRequest)], order);

        await gateway.SendCommandAsync("sd-switch", new SessionRequest("t-0002", "switch.get", "sd-switch"));
        var get = (SessionResponse)(await gateway.Up.WaitAsync(p => p.Message is SessionResponse { Txn: "t-0002" })).Message;
        Assert.True(get.Ok);
        Assert.True(get.Result!.Value.GetProperty("on").GetBoolean());
        await device.Commands.WaitAsync(c => c.Request.Txn == "t-0002");
        Assert.Equal(2, device.Client.Counters.CommandsHandled);
    }

    [Fact]
    public async Task An_unknown_command_is_answered_with_unknown_command()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-unknown");
        _ = new SwitchEmulator(device.Client);

        await gateway.SendCommandAsync("sd-unknown", new SessionRequest("t-0003", "dance", "sd-unknown"));

        var response = (SessionResponse)(await gateway.Up.WaitAsync(p => p.Message is SessionResponse)).Message;
        Assert.Equal("t-0003", response.Txn);
        Assert.False(response.Ok);
        Assert.Equal(ProtocolErrorCode.UnknownCommand, response.Error!.Code);
    }

    [Fact]
    public async Task Switch_set_without_a_boolean_is_an_invalid_field_and_changes_nothing()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-badargs");
        var @switch = new SwitchEmulator(device.Client);

        await gateway.SendCommandAsync("sd-badargs", new SessionRequest("t-0004", "switch.set", "sd-badargs", Telemetry.Json("{\"on\":\"yes\"}")));

        var response = (SessionResponse)(await gateway.Up.WaitAsync(p => p.Message is SessionResponse)).Message;
        Assert.Equal(ProtocolErrorCode.InvalidField, response.Error!.Code);
        Assert.False(@switch.IsOn);
    }

    [Fact]
    public async Task A_client_without_a_handler_answers_unknown_command()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-nohandler");

        await gateway.SendCommandAsync("sd-nohandler", new SessionRequest("t-0005", "switch.set", "sd-nohandler"));

        var response = (SessionResponse)(await gateway.Up.WaitAsync(p => p.Message is SessionResponse)).Message;
        Assert.Equal(ProtocolErrorCode.UnknownCommand, response.Error!.Code);
    }
}
