using System.Diagnostics;
using Pi.Cloud.Sessions;
using Pi.SubDevice.Client;
using Xunit.Abstractions;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>Two hundred reference clients on one bridge: all link, and every one's telemetry reaches the cloud.</summary>
public sealed class Reference_Client_Fleet_Tests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hundred_reference_clients_link_to_the_real_bridge()
    {
        await using var harness = await BridgeHarness.StartAsync();
        await harness.OnlineAsync();
        var added = Stopwatch.GetTimestamp();
        var devices = new List<(string Did, Pi.Protocol.Crypto.SymmetricKey Key)>();
        for (var i = 0; i < 200; i++)
        {
            devices.Add(await harness.AddSubDeviceAsync("sensor"));
        }
        var addMs = Stopwatch.GetElapsedTime(added).TotalMilliseconds;
        harness.Bridge.Open(TimeSpan.FromMinutes(10));
        var clients = devices.Select(d => new SubDeviceClient(new SubDeviceClientOptions(d.Did, d.Key, BrokerEndpoint.Parse($"mqtt://127.0.0.1:{harness.Port}")))).ToList();
        var linkedCount = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var c in clients)
        {
            c.Linked += (_, _) => { if (Interlocked.Increment(ref linkedCount) == clients.Count) all.TrySetResult(); };
        }
        var started = Stopwatch.GetTimestamp();
        foreach (var c in clients)
        {
            await c.StartAsync(default);
        }
        await all.Task.WaitAsync(TimeSpan.FromSeconds(120));
        var linkMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var telemetry = 0;
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Cloud.Service<GatewayPresence>().TelemetryReceived += (_, _) =>
        {
            if (Interlocked.Increment(ref telemetry) == clients.Count)
            {
                delivered.TrySetResult();
            }
        };
        var sendStart = Stopwatch.GetTimestamp();
        await Task.WhenAll(clients.Select(c => c.SendAsync(new Pi.Protocol.Messages.SessionRequest("u" + c.Did.Replace("-", ""), "telemetry"), default)));
        var sendMs = Stopwatch.GetElapsedTime(sendStart).TotalMilliseconds;
        await delivered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stopStart = Stopwatch.GetTimestamp();
        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        var stopMs = Stopwatch.GetElapsedTime(stopStart).TotalMilliseconds;
        var failures = clients.Sum(c => c.Counters.ConnectFailures + c.Counters.WelcomeTimeouts + c.Counters.Refusals);
        Assert.Equal(0, failures);
        Assert.Equal(clients.Count, harness.Bridge.Counters.UpPackets);
        output.WriteLine($"200 devices: registered via the cloud in {addMs:0} ms; linked in {linkMs:0} ms (no stagger); one telemetry each acknowledged in {sendMs:0} ms; clean stop {stopMs:0} ms");
    }
}
