using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pi.Cloud.Http;
using Pi.Cloud.Sessions;
using Pi.Protocol.Messages;
using static Pi.Cloud.Tests.Api.Sub_Device_And_Command_Tests;

namespace Pi.Cloud.Tests.Api;

/// <summary>
/// The cloud's side of the bridge (protocol.md section 9, "Relay"): each relay item is handled at
/// most once per gateway and stream, also across resends and cloud restarts; the ack carries the
/// relay's txn and comes after the store has everything. No waiting: the ack is the signal.
/// </summary>
public class Relay_Tests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000);

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_relay_is_acknowledged_with_its_txn_and_handled_once_when_sent_twice(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        await using var rig = await Rig.StartAsync(host, subDevices: 1);
        using var counters = new CounterProbe(host);
        var relay = new Relay("r-1", "q-1", [Telemetry(1, rig.Dids[0], 1), Telemetry(2, rig.Dids[0], 2)]);

        Assert.Equal("r-1", (await rig.RelayAsync(relay)).Txn);
        Assert.Equal("r-1", (await rig.RelayAsync(relay)).Txn);

        Assert.Equal([1, 2], rig.TelemetryNumbers());
        Assert.Equal(2, counters["pi.cloud.relays"]);
        Assert.Equal(2, counters["pi.cloud.relay.items/handled"]);
        Assert.Equal(2, counters["pi.cloud.relay.items/duplicate"]);
        var view = (await GatewayAsync(rig.User, rig.Tid)).SubDevices.Single();
        Assert.Equal(2, view.LastTelemetry!.Value.GetProperty("n").GetInt32());
        Assert.Equal(At(2), view.LastTelemetryAt);
        Assert.Equal(At(2), view.LastSeenAt);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Of_overlapping_relays_only_the_new_items_are_handled(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        await using var rig = await Rig.StartAsync(host, subDevices: 1);
        using var counters = new CounterProbe(host);

        await rig.RelayAsync(new Relay("r-1", "q-1", [.. Enumerable.Range(1, 5).Select(n => Telemetry(n, rig.Dids[0], n))]));
        await rig.RelayAsync(new Relay("r-2", "q-1", [.. Enumerable.Range(3, 6).Select(n => Telemetry(n, rig.Dids[0], n))]));

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], rig.TelemetryNumbers());
        Assert.Equal(8, counters["pi.cloud.relay.items/handled"]);
        Assert.Equal(3, counters["pi.cloud.relay.items/duplicate"]);
        Assert.Equal(8, (await host.Store.FindRelayCursorAsync(rig.Tid, default))!.Seq);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_new_stream_restarts_the_cursor(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        await using var rig = await Rig.StartAsync(host, subDevices: 1);

        await rig.RelayAsync(new Relay("r-1", "q-old", [Telemetry(7, rig.Dids[0], 1), Telemetry(9, rig.Dids[0], 2)]));
        // the gateway was reset: its queue starts again at seq 1 under a new stream
        await rig.RelayAsync(new Relay("r-2", "q-new", [Telemetry(1, rig.Dids[0], 3), Telemetry(2, rig.Dids[0], 4)]));
        await rig.RelayAsync(new Relay("r-3", "q-new", [Telemetry(2, rig.Dids[0], 5), Telemetry(3, rig.Dids[0], 6)]));

        Assert.Equal([1, 2, 3, 4, 6], rig.TelemetryNumbers());
        var cursor = (await host.Store.FindRelayCursorAsync(rig.Tid, default))!;
        Assert.Equal(("q-new", 3L), (cursor.Stream, cursor.Seq));
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Items_of_foreign_or_unknown_dids_are_skipped_and_the_rest_handled(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        await using var rig = await Rig.StartAsync(host, subDevices: 1);
        await using var other = await Rig.StartAsync(host, subDevices: 1);
        using var counters = new CounterProbe(host);

        var ack = await rig.RelayAsync(new Relay("r-1", "q-1",
        [
            Telemetry(1, other.Dids[0], 100),
            Telemetry(2, rig.Dids[0], 1),
            Telemetry(3, "sd-made-up", 101),
            new RelayItem(4, other.Dids[0], At(4), Availability: SubDeviceAvailability.Online),
            Telemetry(5, rig.Dids[0], 2),
        ]));

        Assert.Equal("r-1", ack.Txn);
        Assert.Equal([1, 2], rig.TelemetryNumbers());
        Assert.Equal(3, counters["pi.cloud.relay.items/foreign_did"]);
        Assert.Equal(3, counters["pi.cloud.refusals/foreign_did"]);
        Assert.Equal(2, counters["pi.cloud.relay.items/handled"]);
        var foreign = (await GatewayAsync(other.User, other.Tid)).SubDevices.Single();
        Assert.Null(foreign.LastTelemetry);
        Assert.False(foreign.Online);
        Assert.Null(foreign.LastSeenAt);

        // the session keeps working
        await rig.Gateway.SendAsync(new SessionRequest("hb-1", SessionChannel.HeartbeatCommand));
        Assert.Equal("hb-1", (await rig.Gateway.NextAsync<SessionResponse>()).Message.Txn);
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Availability_notifications_answers_and_dropped_counts_show_in_the_gateway_view(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        await using var rig = await Rig.StartAsync(host, subDevices: 2);
        using var counters = new CounterProbe(host);
        var availability = new ConcurrentQueue<(string Did, bool Online)>();
        host.Service<GatewayPresence>().SubDeviceAvailabilityChanged += (tid, did, online) => availability.Enqueue((did, online));
        string a = rig.Dids[0], b = rig.Dids[1];

        await rig.RelayAsync(new Relay("r-1", "q-1",
        [
            new RelayItem(1, a, At(1), Availability: SubDeviceAvailability.Online),
            new RelayItem(2, b, At(2), Availability: SubDeviceAvailability.Online),
            new RelayItem(3, b, At(3), new SessionRequest("u-1", "button.pressed")),
            new RelayItem(4, b, At(4), Availability: SubDeviceAvailability.Offline),
        ], Dropped: 3));
        // seqs 5 to 9 never arrive: the gateway's queue dropped them (the cloud counts the gap,
        // not the relay's own dropped member, so a resend can never count them twice)
        await rig.RelayAsync(new Relay("r-2", "q-1",
        [
            new RelayItem(10, a, At(6), new SessionResponse("c-1", true)),
        ], Dropped: 4));
        // a resend of an acknowledged relay adds nothing
        await rig.RelayAsync(new Relay("r-2", "q-1", [new RelayItem(10, a, At(6), new SessionResponse("c-1", true))], Dropped: 4));

        var view = await GatewayAsync(rig.User, rig.Tid);
        Assert.Equal(5, view.RelayDropped);
        var viewA = view.SubDevices.Single(s => s.Did == a);
        var viewB = view.SubDevices.Single(s => s.Did == b);
        Assert.True(viewA.Online);
        Assert.Equal(At(6), viewA.LastSeenAt);
        Assert.False(viewB.Online);
        Assert.Equal(At(4), viewB.LastSeenAt);
        Assert.Null(viewB.LastTelemetry);
        Assert.Equal(new[] { (a, true), (b, true), (b, false) }, availability.ToArray());
        Assert.Equal(5, counters["pi.cloud.relay.dropped"]);
        Assert.Equal(3, counters["pi.cloud.relay.items/handled"]);
        Assert.Equal(1, counters["pi.cloud.relay.items/unknown_notification"]);
        Assert.Equal(1, counters["pi.cloud.relay.items/ignored_answer"]);
        Assert.Equal(1, counters["pi.cloud.relay.items/duplicate"]);

        // the JSON members the APP reads
        var json = await rig.User.Client.GetStringAsync($"/api/gateways/{rig.Tid}");
        using var document = JsonDocument.Parse(json);
        Assert.Equal(5, document.RootElement.GetProperty("relayDropped").GetInt64());
        Assert.True(document.RootElement.GetProperty("subDevices")[0].TryGetProperty("online", out _));
        Assert.True(document.RootElement.GetProperty("subDevices")[0].TryGetProperty("lastSeenAt", out _));
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task The_cursor_telemetry_and_availability_survive_a_cloud_restart(string store)
    {
        var host = await CloudHost.StartAsync(store, keepData: true);
        string tid, email;
        RegisterGatewayResponse registration;
        string[] dids;
        await using (var rig = await Rig.StartAsync(host, subDevices: 2))
        {
            (tid, email, registration, dids) = (rig.Tid, rig.User.Email, rig.Registration, rig.Dids);
            await rig.RelayAsync(new Relay("r-1", "q-1",
            [
                new RelayItem(3, dids[0], At(1), Availability: SubDeviceAvailability.Online),
                Telemetry(4, dids[0], 1),
            ], Dropped: 2)); // seqs 1 and 2 were dropped
            // the direct path (did in the envelope header) is stored too
            await rig.Gateway.SendAsync(new SessionRequest("tm-1", SessionChannel.TelemetryCommand, dids[1], Args("{\"n\":50}")), dids[1]);
            Assert.True((await rig.Gateway.NextAsync<SessionResponse>()).Message.Ok);
        }

        await using var again = await host.RestartAsync();
        var user = await again.LogInAsync(email);
        var view = await GatewayAsync(user, tid);
        Assert.Equal(2, view.RelayDropped);
        var first = view.SubDevices.Single(s => s.Did == dids[0]);
        Assert.True(first.Online);
        Assert.Equal(1, first.LastTelemetry!.Value.GetProperty("n").GetInt32());
        Assert.Equal(At(4), first.LastTelemetryAt);
        Assert.Equal(At(4), first.LastSeenAt);
        Assert.Equal(50, view.SubDevices.Single(s => s.Did == dids[1]).LastTelemetry!.Value.GetProperty("n").GetInt32());

        // the gateway did not see the ack and sends the relay again, with one more item
        await using var gateway = new TestGateway(again, registration);
        await gateway.LoginAsync();
        await gateway.ConnectAsync();
        using var counters = new CounterProbe(again);
        var telemetry = new ConcurrentQueue<int>();
        again.Service<GatewayPresence>().TelemetryReceived += (_, t) => telemetry.Enqueue(t.Payload!.Value.GetProperty("n").GetInt32());
        await gateway.SendAsync(new Relay("r-1", "q-1",
        [
            new RelayItem(3, dids[0], At(1), Availability: SubDeviceAvailability.Online),
            Telemetry(4, dids[0], 1),
            Telemetry(5, dids[0], 2),
        ], Dropped: 2));
        Assert.Equal("r-1", (await gateway.NextAsync<Ack>()).Message.Txn);
        Assert.Equal([2], telemetry.ToArray());
        Assert.Equal(2, counters["pi.cloud.relay.items/duplicate"]);
        Assert.Equal(2, (await GatewayAsync(user, tid)).RelayDropped); // exact: the resend's dropped is not added again
    }

    [Theory, MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Relays_the_decoder_refuses_are_counted_and_the_session_keeps_working(string store)
    {
        await using var host = await CloudHost.StartAsync(store);
        await using var rig = await Rig.StartAsync(host, subDevices: 1);
        using var metrics = new MetricsProbe(host);
        var did = rig.Dids[0];

        // seqs going backwards within one relay; more than 512 items
        await rig.Gateway.SendPlaintextAsync(RelayJson("r-bad-1", did, [3, 2]));
        await rig.Gateway.SendPlaintextAsync(RelayJson("r-bad-2", did, [.. Enumerable.Range(1, Relay.MaxItems + 1)]));
        await metrics.WaitForAsync("invalid_field", 2);
        Assert.Null(await host.Store.FindRelayCursorAsync(rig.Tid, default));

        // the cap itself is fine (availability items: 512 telemetry items would not fit in 64 KiB), and the session still answers
        using var counters = new CounterProbe(host);
        var full = await rig.RelayAsync(new Relay("r-full", "q-1",
            [.. Enumerable.Range(1, Relay.MaxItems).Select(n => new RelayItem(n, did, At(n), Availability: n % 2 == 0 ? SubDeviceAvailability.Online : SubDeviceAvailability.Offline))]));
        Assert.Equal("r-full", full.Txn);
        Assert.Equal(Relay.MaxItems, counters["pi.cloud.relay.items/handled"]);
        Assert.Equal(Relay.MaxItems, (await host.Store.FindRelayCursorAsync(rig.Tid, default))!.Seq);
        var view = (await GatewayAsync(rig.User, rig.Tid)).SubDevices.Single();
        Assert.True(view.Online);
        Assert.Equal(At(Relay.MaxItems), view.LastSeenAt);
    }

    internal static DateTimeOffset At(int seq) => T0.AddMilliseconds(seq * 10);

    internal static JsonElement Args(string json) => JsonDocument.Parse(json).RootElement.Clone();

    internal static RelayItem Telemetry(long seq, string did, int n) =>
        new(seq, did, At((int)seq), new SessionRequest($"u-{seq}", SessionChannel.TelemetryCommand, Args: Args($"{{\"n\":{n}}}")));

    /// <summary>A relay of availability items as a gateway could send it, seqs as given (the encoder would refuse bad ones).</summary>
    private static byte[] RelayJson(string txn, string did, IReadOnlyList<int> seqs)
    {
        var json = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{{\"type\":\"relay\",\"txn\":\"{txn}\",\"stream\":\"q-1\",\"items\":[");
        for (var i = 0; i < seqs.Count; i++)
        {
            json.Append(CultureInfo.InvariantCulture, $"{(i > 0 ? "," : "")}{{\"seq\":{seqs[i]},\"did\":\"{did}\",\"at\":\"{At(seqs[i]):O}\",\"availability\":\"online\"}}");
        }
        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }

    /// <summary>A user, a bound and connected gateway, its sub-devices (acknowledged) and the telemetry the cloud announces.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly ConcurrentQueue<int> _telemetry = new();

        private Rig(AppUser user, RegisterGatewayResponse registration, TestGateway gateway, string[] dids)
        {
            User = user;
            Registration = registration;
            Gateway = gateway;
            Dids = dids;
        }

        public AppUser User { get; }

        public RegisterGatewayResponse Registration { get; }

        public TestGateway Gateway { get; }

        public string Tid => Registration.Tid;

        public string[] Dids { get; }

        public static async Task<Rig> StartAsync(CloudHost host, int subDevices)
        {
            var user = await host.NewUserAsync();
            var registration = await user.RegisterAndBindAsync();
            var gateway = new TestGateway(host, registration);
            await gateway.LoginAsync();
            await gateway.ConnectAsync();
            var dids = new string[subDevices];
            for (var i = 0; i < subDevices; i++)
            {
                var added = await (await user.Client.PostAsJsonAsync($"/api/gateways/{registration.Tid}/subdevices", new { kind = "sensor" }))
                    .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<AddSubDeviceResponse>();
                var (_, notice) = await gateway.NextAsync<SubDeviceAdded>();
                await gateway.SendAsync(new Ack(notice.Txn));
                dids[i] = added!.Did;
            }
            var rig = new Rig(user, registration, gateway, dids);
            host.Service<GatewayPresence>().TelemetryReceived += (tid, telemetry) =>
            {
                if (tid == registration.Tid && telemetry.Payload is { } payload)
                {
                    rig._telemetry.Enqueue(payload.GetProperty("n").GetInt32());
                }
            };
            return rig;
        }

        /// <summary>Sends a relay and returns the cloud's ack (which must repeat its txn).</summary>
        public async Task<Ack> RelayAsync(Relay relay)
        {
            await Gateway.SendAsync(relay);
            var (_, ack) = await Gateway.NextAsync<Ack>();
            Assert.Equal(relay.Txn, ack.Txn);
            return ack;
        }

        /// <summary>The "n" of every telemetry the cloud announced for this gateway, in order.</summary>
        public int[] TelemetryNumbers() => _telemetry.ToArray();

        public ValueTask DisposeAsync() => Gateway.DisposeAsync();
    }
}
