using Pi.Cloud.Broker;

namespace Pi.Cloud.Tests.Broker;

/// <summary>When the dynamic-security plugin cannot be reached, AdmitAsync says so clearly and in bounded time.</summary>
public sealed class External_Broker_Control_Tests
{
    [Fact]
    public async Task Admit_times_out_with_a_clear_error_when_the_worker_is_not_connected()
    {
        await using var server = new MosquittoServer();
        await server.InitializeAsync();
        var traffic = new RecordingGatewayTraffic();
        var logger = new RecordingLogger<ExternalGatewayBroker>();
        await using var worker = TestCloud.CreateWorker(server.CloudOptions(o => o.Password = "wrong"), traffic, logger, TimeSpan.FromMilliseconds(500));
        await worker.StartAsync(CancellationToken.None);
        var token = Waits.NewToken();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => worker.AdmitAsync(Waits.NewTid(), token, CancellationToken.None)).Within("the admit to give up");

        Assert.Contains("dynamic-security", error.Message, StringComparison.Ordinal);
        Assert.Contains("connected", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.Message, StringComparison.Ordinal);
        // The wrong cloud password is logged as a refusal, the worker keeps trying.
        Assert.Contains(logger.Lines, l => l.Contains(" 3103 ", StringComparison.Ordinal) && l.Contains("NotAuthorized", StringComparison.Ordinal));
        Assert.DoesNotContain(token, logger.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admit_times_out_naming_the_plugin_when_the_broker_has_none()
    {
        await using var server = MosquittoServer.WithoutDynamicSecurity();
        await server.InitializeAsync();
        var traffic = new RecordingGatewayTraffic();
        await using var worker = TestCloud.CreateWorker(server.CloudOptions(o => o.MosquittoDynamicSecurity = true), traffic, controlTimeout: TimeSpan.FromMilliseconds(500));
        await worker.StartAsync(CancellationToken.None);
        await worker.WaitUntilConnectedAsync(CancellationToken.None).Within("the worker to connect");

        // Mosquitto acknowledges the command (PUBACK 0x00) although nothing will answer it.
        var error = await Assert.ThrowsAsync<TimeoutException>(() => worker.AdmitAsync(Waits.NewTid(), Waits.NewToken(), CancellationToken.None)).Within("the admit to fail");

        Assert.Contains("mosquitto_dynamic_security.so", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_dynamic_security_off_admit_and_evict_leave_gateways_to_the_broker()
    {
        await using var server = MosquittoServer.WithoutDynamicSecurity();
        await server.InitializeAsync();
        var traffic = new RecordingGatewayTraffic();
        await using var worker = await TestCloud.StartWorkerAsync(server, traffic);
        var tid = Waits.NewTid();

        await worker.AdmitAsync(tid, Waits.NewToken(), CancellationToken.None).Within("admit");
        await worker.EvictAsync(tid, CancellationToken.None).Within("evict");

        Assert.True(worker.IsKnownOffline(tid));
        Assert.False(await worker.SendDownAsync(tid, "x"u8.ToArray(), CancellationToken.None).Within("SendDownAsync"));
    }
}
