using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.SubDevice.Emulation;

namespace Pi.SubDevice.Tests;

public class Link_Tests
{
    [Fact]
    public async Task Hello_and_welcome_give_both_sides_the_same_link_key()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = await TestClient.LinkedAsync(gateway, "sd-link");

        var hello = Assert.Single(gateway.Hellos.Snapshot());
        Assert.Equal(KeyDerivation.NonceSize, hello.DeviceNonce.Length);
        Assert.Equal(hello.KeyId, device.Client.LinkKeyId);
        Assert.Equal(0UL, device.Client.NextUpCounter);

        // A packet sealed by the device opens under the key the gateway derived on its own.
        await device.Client.SendAsync(Telemetry.Create(Telemetry.Json("{\"x\":1}")), CancellationToken.None);
        var up = await gateway.Up.WaitAsync(p => p.Did == "sd-link");
        Assert.Equal(Direction.SubDeviceToGateway, up.Header.Direction);
        Assert.Equal("sd-link", up.Header.Did);
        Assert.Null(up.Header.Tid);
        Assert.Equal(hello.KeyId, up.Header.KeyId);
        Assert.Equal(0UL, up.Header.Counter);
        Assert.Equal(0, gateway.UpDropped);
    }

    [Fact]
    public async Task Sending_without_a_link_fails_with_a_send_exception()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var device = new TestClient(gateway, "sd-nolink", gateway.Add("sd-nolink"));

        await Assert.ThrowsAsync<Pi.SubDevice.Client.SubDeviceSendException>(
            () => device.Client.SendAsync(Telemetry.Create(Telemetry.Json("{}")), CancellationToken.None));
    }
}
