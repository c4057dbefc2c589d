using System.Buffers;
using System.Text.Json;
using Pi.BridgeBench.Targets;
using Pi.BridgeBench.Targets.PiGateway;
using Pi.Protocol.Messages;
using Xunit.Abstractions;

namespace Pi.BridgeBench.Tests;

/// <summary>
/// The harness end to end against the real Pi path, in process: the cloud host (SQLite), a bound
/// gateway's cloud client and its LAN bridge, sub-devices that link and seal.
/// </summary>
public sealed class Pi_Target_Tests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Smoke_run_delivers_every_message_exactly_once_through_gateway_and_cloud_and_cleans_up()
    {
        var target = new PiGatewayTarget();
        string? directory = null;
        using var log = new StringWriter();
        using var timeout = new CancellationTokenSource(Budget);
        var smoke = BridgeBenchOptions.SmokeDefaults with { IdleClients = 3 };

        var result = await LoadRunner.RunAsync(new Observed(target, d => directory = d), smoke, log, timeout.Token);
        output.WriteLine(log.ToString());

        Assert.Equal(5, result.Publishers);
        Assert.Equal(10_000, smoke.Messages);
        Assert.Equal(smoke.Messages, result.Sent);
        Assert.Equal(result.Sent, result.Acked);
        Assert.Equal(result.Sent, result.Delivered);
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(0, result.Failed);
        Assert.Equal(0, result.Unrecognized);
        Assert.True(result.Clean);
        Assert.Equal(smoke.Messages - smoke.Warmup, result.WindowMessages);
        Assert.True(result.DeliveredPerSecond > 0);
        Assert.Equal(["harness"], result.Processes.Select(p => p.Name));
        Assert.Contains(result.Notes, n => n.StartsWith("both legs sealed", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.StartsWith("offline queue: the gateway's file queue", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("inside the harness process", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.StartsWith("relays acknowledged", StringComparison.Ordinal));

        Assert.NotNull(directory);
        Assert.False(Directory.Exists(directory), $"{directory} was not deleted");
        Assert.Null(target.Directory);
        await target.StopAsync(CancellationToken.None); // twice is a no-op
    }

    [Fact]
    public void The_plaintext_is_the_telemetry_request_the_protocol_encodes_and_gives_the_bytes_back()
    {
        var harness = BenchPayload.Create(256, 7, 42, 123_456);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            BenchTelemetry.WritePlaintext(writer, 31, harness);
        }

        var message = Assert.IsType<SessionRequest>(ProtocolJson.DeserializeSession(buffer.WrittenSpan));
        Assert.Equal(("b31", "telemetry", (string?)null), (message.Txn, message.Command, message.Did));
        Assert.Equal(ProtocolJson.Serialize(message), buffer.WrittenSpan.ToArray());
        Assert.True(BenchTelemetry.TryRead(message.Args, out var back));
        Assert.Equal(harness, back);
        Assert.True(BenchPayload.TryRead(back, out var publisher, out var sequence, out var sent));
        Assert.Equal((7, 42L, 123_456L), (publisher, sequence, sent));

        Assert.False(BenchTelemetry.TryRead(JsonDocument.Parse("""{"temperature":21.5}""").RootElement, out _));
        Assert.False(BenchTelemetry.TryRead(null, out _));
    }

    /// <summary>Remembers the target's temporary directory while it exists.</summary>
    private sealed class Observed(PiGatewayTarget inner, Action<string?> started) : IBridgeTarget
    {
        public string Name => inner.Name;

        public async Task<BridgeEndpoints> StartAsync(BridgeTargetOptions options, IDeliveryObserver observer, CancellationToken cancellationToken)
        {
            var endpoints = await inner.StartAsync(options, observer, cancellationToken);
            Assert.True(Directory.Exists(inner.Directory));
            Assert.Empty(endpoints.Processes);
            started(inner.Directory);
            return endpoints;
        }

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
