using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Pi.Bench.Smoke;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;

namespace Pi.Bench.Envelopes;

/// <summary>
/// Seal and open of one session envelope (gateway to cloud, tid only, as on the MQTT session
/// channel), against bare AES-128-GCM of the same payload. The sealer and opener live as long as
/// the benchmark, like a session's: each call seals the next counter and opens it at once, so the
/// opener's replay window sees a fresh counter every time.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "Disposed in [GlobalCleanup], the cleanup hook BenchmarkDotNet calls.")]
public class EnvelopeBenchmarks : ISmokeCheck
{
    private static readonly int HeaderLength = SessionEnvelope.GetSealedSize(0, Fixtures.Tid, null) - AeadSealer.TagSize;

    private EnvelopeSealer? _sealer;
    private EnvelopeOpener? _opener;
    private AesGcm? _aes;
    private byte[] _payload = [];
    private byte[] _envelope = [];
    private byte[] _nonce = [];
    private byte[] _header = [];
    private byte[] _ciphertext = [];
    private byte[] _tag = [];
    private byte[] _plaintext = [];

    /// <summary>Plaintext size in bytes: a small telemetry message, a typical command, a large state dump.</summary>
    [Params(64, 256, 4096)]
    public int PayloadSize { get; set; }

    /// <summary>Creates the long-lived sealer, opener and the baseline's buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var key = Fixtures.SessionKey();
        _sealer = new EnvelopeSealer(key, Fixtures.SessionKeyId, Direction.GatewayToCloud);
        _opener = new EnvelopeOpener(key, Fixtures.SessionKeyId, Direction.GatewayToCloud, tid: Fixtures.Tid);
        _payload = Fixtures.Payload(PayloadSize);
        _envelope = new byte[SessionEnvelope.GetSealedSize(PayloadSize, Fixtures.Tid, null)];

        // The baseline encrypts under one fixed nonce again and again: fine for timing, never for data.
        _aes = new AesGcm(key.Bytes, AeadSealer.TagSize);
        _nonce = new byte[Nonce.Size];
        Nonce.Write(_nonce, Nonce.Prefix(NonceChannel.Envelope, Direction.GatewayToCloud), 42);
        _header = Fixtures.Payload(HeaderLength);
        _ciphertext = new byte[PayloadSize];
        _tag = new byte[AeadSealer.TagSize];
        _plaintext = new byte[PayloadSize];
    }

    /// <summary>Disposes the AES contexts.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _sealer?.Dispose();
        _opener?.Dispose();
        _aes?.Dispose();
    }

    /// <summary>AesGcm encrypt then decrypt with a prepared nonce and an AAD as long as the envelope header, into preallocated buffers.</summary>
    [Benchmark(Baseline = true)]
    public byte[] BareAesGcm()
    {
        _aes!.Encrypt(_nonce, _payload, _ciphertext, _tag, _header);
        _aes.Decrypt(_nonce, _ciphertext, _tag, _plaintext, _header);
        return _plaintext;
    }

    /// <summary>EnvelopeSealer.Seal (new array) then EnvelopeOpener.Open.</summary>
    [Benchmark]
    public byte[] SealOpen()
    {
        var envelope = _sealer!.Seal(_payload, Fixtures.Tid);
        return _opener!.Open(envelope).Plaintext;
    }

    /// <summary>EnvelopeSealer.Seal into the caller's buffer, then EnvelopeOpener.Open.</summary>
    [Benchmark]
    public byte[] SealIntoSpanOpen()
    {
        var length = _sealer!.Seal(_payload, Fixtures.Tid, null, _envelope);
        return _opener!.Open(_envelope.AsSpan(0, length)).Plaintext;
    }

    /// <inheritdoc />
    void ISmokeCheck.Verify(string benchmark, object? result) =>
        SmokeAssert.BytesEqual(_payload, result, $"{benchmark} round trip of {PayloadSize} bytes");
}
