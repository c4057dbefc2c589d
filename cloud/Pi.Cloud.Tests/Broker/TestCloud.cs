using Microsoft.Extensions.Options;
using Pi.Cloud.Broker;
using Pi.Cloud.Options;

namespace Pi.Cloud.Tests.Broker;

/// <summary>Cloud workers (ExternalGatewayBroker instances) for a test, started and connected.</summary>
internal static class TestCloud
{
    public static ExternalGatewayBroker CreateWorker(
        CloudOptions options,
        IGatewayTraffic traffic,
        RecordingLogger<ExternalGatewayBroker>? logger = null,
        TimeSpan? controlTimeout = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options), traffic, TimeProvider.System,
            logger ?? new RecordingLogger<ExternalGatewayBroker>(), controlTimeout ?? TimeSpan.FromSeconds(10));

    public static async Task<ExternalGatewayBroker> StartWorkerAsync(
        MosquittoServer server,
        IGatewayTraffic traffic,
        RecordingLogger<ExternalGatewayBroker>? logger = null,
        Action<ExternalBrokerOptions>? configure = null)
    {
        var worker = CreateWorker(server.CloudOptions(configure), traffic, logger);
        await worker.StartAsync(CancellationToken.None);
        await worker.WaitUntilConnectedAsync(CancellationToken.None).Within($"the cloud worker to connect to mosquitto on port {server.Port}");
        return worker;
    }

    /// <summary>A worker, a gateway admitted with a fresh token, and that gateway connected.</summary>
    public static async Task<TestGateway> AdmitAndConnectAsync(this ExternalGatewayBroker worker, MosquittoServer server, string? tid = null)
    {
        tid ??= Waits.NewTid();
        var token = Waits.NewToken();
        await worker.AdmitAsync(tid, token, CancellationToken.None).Within($"admitting {tid}");
        var gateway = await TestGateway.ConnectAsync(server, tid, token);
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.Success, gateway.ConnectResult.ResultCode);
        return gateway;
    }
}
