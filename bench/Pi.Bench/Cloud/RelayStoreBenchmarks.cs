using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Pi.Bench.Smoke;
using Pi.Cloud.Options;
using Pi.Cloud.Store;
using Pi.Protocol.Messages;

namespace Pi.Bench.Cloud;

/// <summary>
/// What the cloud's handling of one 64-item relay costs on the default store (a SQLite file in a
/// temp directory, WAL): <c>ICloudStore.ApplyRelayAsync</c> with 64 new telemetry items for 8
/// sub-devices (cursor check, 8 status upserts, cursor and dropped total, one transaction); the same
/// relay sent again (every item a duplicate: one read, nothing written); and decoding the relay's
/// JSON (what <c>GatewaySession.Open</c> adds to the envelope crypto). The baseline is
/// <c>TouchGatewayAsync</c>: the smallest write transaction the store has (one UPDATE), so the
/// ratio says how many "plain commits" a relay costs.
/// </summary>
/// <remarks>
/// Each call of <see cref="ApplyRelay64"/> uses the next 64 seqs, so every call does the full work.
/// The session channel's own share (directory lookup from its cache, building the entries, the
/// in-memory events, the ack) is not included; it is small next to the transaction.
/// </remarks>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "Disposed in [GlobalCleanup], the cleanup hook BenchmarkDotNet calls.")]
public class RelayStoreBenchmarks : ISmokeCheck
{
    /// <summary>Items per relay.</summary>
    public const int Items = 64;

    private const int SubDevices = 8;
    private const string Stream = "q-bench";

    private string _directory = "";
    private ICloudStore? _store;
    private string[] _dids = [];
    private string[] _telemetry = [];
    private RelayEntry[] _handled = [];
    private byte[] _relayJson = [];
    private long _nextSeq = 1;
    private DateTimeOffset _seen = DateTimeOffset.UtcNow;

    /// <summary>A migrated store with one gateway, its owner and 8 sub-devices; one relay handled.</summary>
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    /// <summary>The baseline: one single-row write transaction.</summary>
    [Benchmark(Baseline = true)]
    public async Task<bool> TouchGateway()
    {
        _seen = _seen.AddMilliseconds(1);
        await _store!.TouchGatewayAsync(Fixtures.Tid, _seen, CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    /// <summary>64 new telemetry items for 8 sub-devices, in one transaction.</summary>
    [Benchmark]
    public Task<RelayApplied> ApplyRelay64()
    {
        var first = _nextSeq;
        _nextSeq += Items;
        return _store!.ApplyRelayAsync(Fixtures.Tid, Stream, Entries(first), 0, null, DateTimeOffset.UtcNow, CancellationToken.None);
    }

    /// <summary>The relay handled in setup, sent again: 64 duplicates.</summary>
    [Benchmark]
    public Task<RelayApplied> ApplyRelay64Duplicate() =>
        _store!.ApplyRelayAsync(Fixtures.Tid, Stream, _handled, 0, null, DateTimeOffset.UtcNow, CancellationToken.None);

    /// <summary>Decoding and validating the 64-item relay's JSON.</summary>
    [Benchmark]
    public int DecodeRelay64() => ((Relay)ProtocolJson.DeserializeSession(_relayJson)).Items.Count;

    /// <inheritdoc />
    public void Verify(string benchmark, object? result)
    {
        switch (benchmark)
        {
            case nameof(TouchGateway):
                SmokeAssert.Equal(true, result, benchmark);
                break;
            case nameof(ApplyRelay64):
                SmokeAssert.Equal(new RelayApplied(0, false, 0), result, benchmark);
                break;
            case nameof(ApplyRelay64Duplicate):
                SmokeAssert.Equal(new RelayApplied(Items, false, 0), result, benchmark);
                break;
            case nameof(DecodeRelay64):
                SmokeAssert.Equal(Items, result, benchmark);
                break;
            default:
                throw new SmokeFailure($"unknown benchmark {benchmark}");
        }
    }

    /// <summary>Closes the store and deletes its directory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        (_store as IDisposable)?.Dispose();
        _store = null;
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("pi-bench-relay-").FullName;
        _store = CloudStoreFactory.Create(new StoreOptions(), _directory);
        await _store.MigrateAsync(CancellationToken.None).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var user = await _store.CreateUserAsync("bench@example.test", "not-a-real-hash", now, CancellationToken.None).ConfigureAwait(false);
        await _store.RegisterGatewayAsync(
            new GatewayRecord(Fixtures.Tid, "b8:27:eb:12:34:56", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "SN-1", null, "not-a-real-hash", now, now.AddYears(2), null),
            Keys(Fixtures.Tid, now),
            null,
            CancellationToken.None).ConfigureAwait(false);
        _dids = [.. Enumerable.Range(0, SubDevices).Select(i => $"sd_bench_{i:D2}")];
        foreach (var did in _dids)
        {
            await _store.AddSubDeviceAsync(new SubDeviceRecord(did, Fixtures.Tid, "sensor", null, now, SubDeviceState.Active), Keys(did, now), user!.Id, CancellationToken.None)
                .ConfigureAwait(false);
        }
        _telemetry = [.. Enumerable.Range(0, Items).Select(i => $"{{\"temperature\":{20 + (i % 10)}.5,\"humidity\":{40 + (i % 7)}}}")];

        _handled = Entries(_nextSeq);
        _nextSeq += Items;
        await _store.ApplyRelayAsync(Fixtures.Tid, Stream, _handled, 0, null, now, CancellationToken.None).ConfigureAwait(false);
        _relayJson = RelayJson();
    }

    private RelayEntry[] Entries(long firstSeq)
    {
        var at = DateTimeOffset.UtcNow;
        var entries = new RelayEntry[Items];
        for (var i = 0; i < Items; i++)
        {
            entries[i] = new RelayEntry(firstSeq + i, new SubDeviceActivity(_dids[i % SubDevices], at.AddMilliseconds(i), true, _telemetry[i]));
        }
        return entries;
    }

    private byte[] RelayJson()
    {
        var at = DateTimeOffset.UtcNow;
        var items = new RelayItem[Items];
        for (var i = 0; i < Items; i++)
        {
            using var args = JsonDocument.Parse(_telemetry[i]);
            items[i] = new RelayItem(i + 1, _dids[i % SubDevices], at.AddMilliseconds(i), new SessionRequest($"u-{i}", "telemetry", Args: args.RootElement.Clone()));
        }
        return ProtocolJson.Serialize(new Relay("g-bench", Stream, items));
    }

    private static KeyPairRecord Keys(string deviceId, DateTimeOffset now) =>
        new(deviceId, 1, [.. Enumerable.Range(0, 16).Select(i => (byte)i)], [.. Enumerable.Range(16, 16).Select(i => (byte)i)], now, now.AddYears(1), KeyPairState.Active);
}
