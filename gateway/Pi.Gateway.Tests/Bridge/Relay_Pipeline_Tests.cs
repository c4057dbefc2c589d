using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet;
using Pi.Cloud.Options;
using Pi.Cloud.Sessions;
using Pi.Cloud.Store;

namespace Pi.Gateway.Tests.Bridge;

/// <summary>
/// Several relays in flight (protocol.md section 9): against the real cloud and the real file queue,
/// every item arrives exactly once and in order, also when the cloud fails to handle one relay of
/// the window, and dropped records are counted once.
/// </summary>
public sealed class Relay_Pipeline_Tests
{
    [Fact]
    public async Task Many_items_with_four_relays_in_flight_arrive_exactly_once_and_in_order()
    {
        var store = new RelayStoreSpy();
        await using var harness = await BridgeHarness.StartAsync(
            configure: o => { o.RelayWindow = 4; o.RelayMaxItems = 8; },
            configureCloud: store.Register);
        var (device, received) = await OfflineBacklogAsync(harness, 400);
        await using (device)
        {
            await ConnectAndDrainAsync(harness, received, 400);

            Assert.Equal(Enumerable.Range(0, 400).Select(i => (double)i), received);
            Assert.Contains(store.Calls, c => c.After is not null); // relays really were pipelined
            Assert.DoesNotContain(store.Calls, c => c.Outcome == RelayOutcome.OutOfOrder);
        }
    }

    [Fact]
    public async Task A_relay_the_cloud_fails_to_handle_stops_the_ones_behind_it_and_nothing_is_lost_or_doubled()
    {
        // The third relay of the first window fails in the store; the fourth, already on its way, must
        // not be handled (its items would move the cursor past the third's).
        var store = new RelayStoreSpy();
        await using var harness = await BridgeHarness.StartAsync(
            configure: o => { o.RelayWindow = 4; o.RelayMaxItems = 8; o.RelayAckTimeout = TimeSpan.FromSeconds(3); },
            configureCloud: store.Register);
        var (device, received) = await OfflineBacklogAsync(harness, 200);
        await using (device)
        {
            store.FailFromNowOn(3);
            await ConnectAndDrainAsync(harness, received, 200);

            Assert.Equal(Enumerable.Range(0, 200).Select(i => (double)i), received);
            Assert.Contains(store.Calls, c => c.Outcome == RelayOutcome.Failed);
            Assert.Contains(store.Calls, c => c.Outcome == RelayOutcome.OutOfOrder);
        }
    }

    [Fact]
    public async Task Dropped_records_are_counted_once_even_when_the_relay_carrying_them_fails()
    {
        // The queue holds 40: 60 of 100 are dropped. The first relay carries dropped=60 and fails;
        // the three behind it carry 0 and are refused; the resend carries 60 again.
        var store = new RelayStoreSpy();
        await using var harness = await BridgeHarness.StartAsync(
            configure: o => { o.RelayWindow = 4; o.RelayMaxItems = 4; o.RelayAckTimeout = TimeSpan.FromSeconds(3); },
            queue: BridgeHarness.FileQueue(o => o.MaxItems = 40),
            configureCloud: store.Register);
        var (device, received) = await OfflineBacklogAsync(harness, 100);
        await using (device)
        {
            Assert.Equal(60, harness.Queue.DroppedTotal);
            store.FailFromNowOn(1);
            await ConnectAndDrainAsync(harness, received, 40);

            Assert.Equal(Enumerable.Range(60, 40).Select(i => (double)i), received);
            var view = await harness.User.Client.GetFromJsonAsync<Pi.Cloud.Http.GatewayView>($"api/gateways/{harness.Tid}", System.Text.Json.JsonSerializerOptions.Web);
            Assert.Equal(60, view!.RelayDropped);
            Assert.Equal(0, harness.Queue.DroppedUnreported);
            // Only one relay at a time carried the drops.
            Assert.Equal(2, store.Calls.Count(c => c.Dropped > 0)); // the failed one and its resend
        }
    }

    /// <summary>A linked device whose telemetry 0..count-1 waits in the queue while the channel is down.</summary>
    private static async Task<(LanTestDevice Device, ConcurrentQueue<double> Received)> OfflineBacklogAsync(BridgeHarness harness, int count)
    {
        await harness.OnlineAsync();
        var device = await harness.LinkedDeviceAsync();
        await Offline_Queue_Tests.WaitForEmptyAsync(harness); // the online item went out
        await harness.Client.DisconnectAsync();
        var received = new ConcurrentQueue<double>();
        harness.Cloud.Service<GatewayPresence>().TelemetryReceived += (_, t) =>
        {
            if (t.Did == device.Did)
            {
                received.Enqueue(t.Payload!.Value.GetProperty("temperature").GetDouble());
            }
        };
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, (await device.TelemetryAsync(i)).ReasonCode);
        }
        Assert.Empty(received);
        return (device, received);
    }

    /// <summary>Opens the channel and waits until the queue is empty (every item acknowledged) and <paramref name="expected"/> arrived.</summary>
    private static async Task ConnectAndDrainAsync(BridgeHarness harness, ConcurrentQueue<double> received, int expected)
    {
        var (connected, _, detail) = await harness.Client.ConnectAsync(default);
        Assert.True(connected, detail);
        await Offline_Queue_Tests.WaitForEmptyAsync(harness, TimeSpan.FromSeconds(60));
        // The ack of the last relay follows its handling: everything the cloud took is already counted.
        Assert.Equal(expected, received.Count);
    }
}

internal enum RelayOutcome
{
    Applied = 1,
    OutOfOrder = 2,
    Failed = 3,
}

internal sealed record RelayCall(long FirstSeq, long? After, long Dropped, RelayOutcome Outcome);

/// <summary>
/// Wraps the cloud's real store: records every <see cref="ICloudStore.ApplyRelayAsync"/> and makes
/// the chosen one throw (as a store failure would) without touching the store.
/// </summary>
internal sealed class RelayStoreSpy
{
    private readonly ConcurrentQueue<RelayCall> _calls = new();
    private int _count;
    private int _failCall;

    public IReadOnlyCollection<RelayCall> Calls => _calls;

    /// <summary>Makes the <paramref name="call"/>-th relay from now on (1 = the next) fail, and forgets the calls so far.</summary>
    public void FailFromNowOn(int call)
    {
        _calls.Clear();
        Volatile.Write(ref _count, 0);
        Volatile.Write(ref _failCall, call);
    }

    public void Register(WebApplicationBuilder builder) =>
        // Registered before the cloud's own TryAdd, which then leaves it in place.
        builder.Services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<CloudOptions>>().Value;
            var proxy = DispatchProxy.Create<ICloudStore, Proxy>();
            ((Proxy)(object)proxy).Init(CloudStoreFactory.Create(options.Store, options.DataDirectory), this);
            return proxy;
        });

    private async Task<RelayApplied> ApplyAsync(ICloudStore inner, object?[] args)
    {
        var entries = (IReadOnlyList<RelayEntry>)args[2]!;
        var dropped = (long)args[3]!;
        var after = (long?)args[4];
        if (Interlocked.Increment(ref _count) == Volatile.Read(ref _failCall))
        {
            _calls.Enqueue(new RelayCall(entries[0].Seq, after, dropped, RelayOutcome.Failed));
            throw new InvalidOperationException("injected store failure");
        }
        var applied = await inner.ApplyRelayAsync((string)args[0]!, (string)args[1]!, entries, dropped, after, (DateTimeOffset)args[5]!, (CancellationToken)args[6]!);
        _calls.Enqueue(new RelayCall(entries[0].Seq, after, dropped, applied.OutOfOrder ? RelayOutcome.OutOfOrder : RelayOutcome.Applied));
        return applied;
    }

    /// <summary>The DispatchProxy: everything else goes straight to the real store.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1852:Seal internal types", Justification = "DispatchProxy derives its proxy type from it")]
    public class Proxy : DispatchProxy
    {
        private ICloudStore? _inner;
        private RelayStoreSpy? _spy;

        internal void Init(ICloudStore inner, RelayStoreSpy spy)
        {
            _inner = inner;
            _spy = spy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(ICloudStore.ApplyRelayAsync))
            {
                return _spy!.ApplyAsync(_inner!, args!);
            }
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        }
    }
}
