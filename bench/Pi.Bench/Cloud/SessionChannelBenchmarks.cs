using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Pi.Bench.Smoke;
using Pi.Cloud.Options;
using Pi.Cloud.Sessions;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Messages;

namespace Pi.Bench.Cloud;

/// <summary>
/// The cloud's per-packet session crypto for one heartbeat: open the gateway's sealed heartbeat
/// request and seal the response, through <c>GatewaySession.Open</c> and <c>GatewaySession.Seal</c>
/// (lock, expiry check, envelope, JSON decode with validation, JSON encode). The baseline is the
/// same two envelope operations on bare <c>EnvelopeOpener.Open</c> and <c>EnvelopeSealer.Seal</c>
/// with no JSON (the response's bytes are encoded once, up front) and no session wrapper; the middle
/// row adds the JSON but not the session, so the three rows split the cost into envelope, JSON and
/// session.
/// </summary>
/// <remarks>
/// A session's replay window accepts each counter once, so every iteration starts a new session with
/// <c>SessionRegistry.Start</c> (a new random sessionkey) and seals <see cref="PacketsPerIteration"/>
/// heartbeat requests under it with counters 0, 1, 2 and so on, as the gateway would, all in
/// [IterationSetup], outside the measurement. That fixes the invocation count per iteration. The
/// heartbeat answer's payload (the cloud's clock as a JSON element) is made once: building it is
/// <c>SessionChannel</c>'s work, not the session's.
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(PacketsPerIteration)]
[SuppressMessage("Design", "CA1001", Justification = "Disposed in [GlobalCleanup], the cleanup hook BenchmarkDotNet calls.")]
public class SessionChannelBenchmarks : ISmokeCheck
{
    /// <summary>Heartbeats handled per iteration (a multiple of the default unroll factor, 16).</summary>
    public const int PacketsPerIteration = 32768;

    private const string TxnPrefix = "hb-";

    private SessionRegistry? _registry;
    private GatewaySession? _session;
    private SymmetricKey _key = null!;
    private EnvelopeOpener? _bareOpener;
    private EnvelopeSealer? _bareSealer;
    private byte[][] _requests = [];
    private int _next;
    private JsonElement _serverTime;
    private byte[] _responseJson = [];

    /// <summary>The registry, the heartbeat answer's payload and its bytes for the baseline.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _registry = new SessionRegistry(TimeProvider.System, Options.Create(new CloudOptions()));
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        using (var document = JsonDocument.Parse($$"""{"now":"{{now}}"}"""))
        {
            _serverTime = document.RootElement.Clone();
        }
        _responseJson = ProtocolJson.Serialize(Response(TxnPrefix + "0"));
        _requests = new byte[PacketsPerIteration][];
    }

    /// <summary>
    /// A new session (and bare opener and sealer under its key), and the heartbeat requests the
    /// gateway sealed under it, counters 0 and up.
    /// </summary>
    [IterationSetup]
    public void NewSession()
    {
        DisposeSession();
        var (session, key, _, replaced) = _registry!.Start(Fixtures.Tid);
        replaced?.Dispose();
        _session = session;
        _key = key;
        _bareOpener = new EnvelopeOpener(key, session.KeyId, Direction.GatewayToCloud, tid: Fixtures.Tid);
        _bareSealer = new EnvelopeSealer(key, session.KeyId, Direction.CloudToGateway);
        using var gateway = new EnvelopeSealer(key, session.KeyId, Direction.GatewayToCloud);
        for (var i = 0; i < _requests.Length; i++)
        {
            var request = new SessionRequest(TxnPrefix + i.ToString(CultureInfo.InvariantCulture), "heartbeat");
            _requests[i] = gateway.Seal(request, Fixtures.Tid);
        }
        _next = 0;
    }

    /// <summary>Ends the sessions and disposes the AES contexts.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        DisposeSession();
        _registry?.Dispose();
    }

    /// <summary>EnvelopeOpener.Open (no JSON) of the request, EnvelopeSealer.Seal of the answer's prepared bytes.</summary>
    [Benchmark(Baseline = true)]
    public byte[] BareOpenSeal()
    {
        _ = _bareOpener!.Open(_requests[_next++]);
        return _bareSealer!.Seal(_responseJson, Fixtures.Tid);
    }

    /// <summary>EnvelopeOpener.OpenMessage (with JSON decode and validation), EnvelopeSealer.Seal of the answer message (JSON encode): no session.</summary>
    [Benchmark]
    public byte[] MessageOpenSeal()
    {
        var (_, message) = _bareOpener!.OpenMessage(_requests[_next++]);
        return _bareSealer!.Seal(Response(((SessionRequest)message).Txn), Fixtures.Tid);
    }

    /// <summary>GatewaySession.Open of the request and GatewaySession.Seal of the answer, as SessionChannel calls them.</summary>
    [Benchmark]
    public byte[] SessionOpenSeal()
    {
        var (_, message) = _session!.Open(_requests[_next++], TimeProvider.System.GetUtcNow());
        return _session.Seal(Response(((SessionRequest)message).Txn));
    }

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result)
    {
        if (result is not byte[] envelope)
        {
            throw new SmokeFailure($"{benchmark}: no envelope");
        }
        // A fresh receiver each time: the gateway's view of this one answer.
        using var gateway = new EnvelopeOpener(_key, _session!.KeyId, Direction.CloudToGateway, tid: Fixtures.Tid);
        var (_, message) = gateway.OpenMessage(envelope);
        var expectedTxn = benchmark == nameof(BareOpenSeal) ? TxnPrefix + "0" : TxnPrefix + (_next - 1).ToString(CultureInfo.InvariantCulture);
        if (message is not SessionResponse { Ok: true, Result: { } payload } response || response.Txn != expectedTxn
            || !payload.TryGetProperty("now", out _))
        {
            throw new SmokeFailure($"{benchmark}: expected an ok heartbeat answer for {expectedTxn}, got {message}");
        }
    }

    private SessionResponse Response(string txn) => new(txn, true, _serverTime);

    private void DisposeSession()
    {
        _bareOpener?.Dispose();
        _bareOpener = null;
        _bareSealer?.Dispose();
        _bareSealer = null;
        if (_session is not null)
        {
            _registry!.End(_session);
            _session.Dispose();
            _session = null;
        }
    }
}
