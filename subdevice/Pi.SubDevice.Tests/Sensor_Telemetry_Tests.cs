using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.SubDevice.Emulation;

namespace Pi.SubDevice.Tests;

public class Sensor_Telemetry_Tests
{
    [Fact]
    public async Task Each_interval_sends_one_telemetry_request_that_opens_on_the_gateway_side()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-sensor");
        var time = new FakeTimeProvider();
        await using var sensor = new SensorEmulator(device.Client, time, TimeSpan.FromSeconds(10));
        var readings = new Observed<JsonElement>();
        sensor.ReadingSent += (_, values) => readings.Add(values);
        sensor.Start();

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(gateway.Up.Snapshot());
        time.Advance(TimeSpan.FromSeconds(1));
        await readings.WaitAsync(_ => true);
        time.Advance(TimeSpan.FromSeconds(10));
        await readings.WaitAsync(_ => true, skip: 1);

        var ups = new[] { await gateway.Up.WaitAsync(_ => true), await gateway.Up.WaitAsync(_ => true, skip: 1) };
        Assert.Equal([0UL, 1UL], ups.Select(u => u.Header.Counter).Order());
        foreach (var up in ups)
        {
            Assert.Equal(("sd-sensor", Direction.SubDeviceToGateway), (up.Header.Did!, up.Header.Direction));
            var request = Assert.IsType<SessionRequest>(up.Message);
            Assert.Equal("telemetry", request.Command);
            Assert.Null(request.Did);
            var args = request.Args!.Value;
            Assert.InRange(args.GetProperty("temperature").GetDouble(), -20, 50);
            Assert.InRange(args.GetProperty("humidity").GetDouble(), 0, 100);
        }
        Assert.NotEqual(((SessionRequest)ups[0].Message).Txn, ((SessionRequest)ups[1].Message).Txn);
        Assert.Equal(2, sensor.Sent);
    }

    [Fact]
    public async Task A_tick_without_a_link_is_skipped_not_queued()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = new TestClient(gateway, "sd-idle", gateway.Add("sd-idle"));
        var time = new FakeTimeProvider();
        await using var sensor = new SensorEmulator(device.Client, time, TimeSpan.FromSeconds(10));
        sensor.Start();

        time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(3, sensor.Skipped);
        Assert.Equal(0, sensor.Sent);
    }
}
